# Composes BISMO runtime-library benchmark output (benchmark.hpp) for the
# golden files: keys and arithmetic as bismo_rt_matmul.cpp computes them,
# printed the way std::cout prints a float (6 significant digits, %g).
DM, DK, DN, FCLK = 8, 256, 8, 200.0
def align(x, a): return (x + a - 1) // a * a
def g(v): return "%g" % v
def instrumentation(M, K, N, wb, ab, cycles):
    lhs_elems_a = align(M, DM) * align(K, DK)
    rhs_outer_a = align(N, DN)
    total = 2 * lhs_elems_a * rhs_outer_a * wb * ab
    actual = 2 * M * K * N * wb * ab
    lhs_b = wb * lhs_elems_a // 8
    rhs_b = ab * align(K, DK) * rhs_outer_a // 8
    res_b = align(M, DM) * rhs_outer_a * 4
    tiles_n = rhs_outer_a // DN
    fetch = rhs_b + lhs_b * tiles_n
    ns = cycles * 1000.0 / FCLK
    peak_ops_cycle = 2 * DM * DN * DK
    d = {
        "workload_total_binops": total, "workload_actual_binops": actual,
        "workload_lhs_bytes": lhs_b, "workload_rhs_bytes": rhs_b, "workload_res_bytes": res_b,
        "hw_buf_size_bytes": DM * 1024 * DK // 8 + DN * 1024 * DK // 8,
        "hw_peak_perf_binops": peak_ops_cycle / (1000.0 / FCLK), "hw_fclk_mhz": FCLK,
        "workload_read_oi": total / (lhs_b + rhs_b), "workload_write_oi": total / res_b,
        "actual_read_oi": total / fetch, "actual_write_oi": total / res_b,
        "hw_peak_read_oi": peak_ops_cycle / 8.0, "hw_peak_write_oi": peak_ops_cycle / 8.0,
        "run_cycles": cycles, "run_achieved_binops": total / ns,
        "workload_dram_read_bytes": fetch, "workload_dram_write_bytes": res_b,
        "hw_peak_read_bw": 8.0, "hw_peak_write_bw": 8.0,
    }
    exec_run = total / peak_ops_cycle
    fetch_run = fetch / 8.0 * 1.25
    result_run = res_b / 8.0 * 1.5
    for stage, run in (("fetch", fetch_run), ("exec", exec_run), ("result", result_run)):
        d["stg_%s_run" % stage] = round(run)
        d["stg_%s_idle" % stage] = round(cycles * 0.1)
        d["stg_%s_snd" % stage] = round(cycles * 0.05)
        d["stg_%s_rcv" % stage] = max(0, cycles - round(run) - round(cycles * 0.15))
    d["run_eff%_fetch"] = 100 * (fetch / round(fetch_run)) / 8.0
    d["run_eff%_exec"] = 100 * total / (round(exec_run) * peak_ops_cycle)
    d["run_eff%_result"] = 100 * (res_b / round(result_run)) / 8.0
    for m, scale in (("lhs", lhs_b), ("rhs", rhs_b)):
        d["mat_%s_pad_us" % m] = 0.002 * scale + 1
        d["mat_%s_host2accel_us" % m] = 0.004 * scale + 3
        d["mat_%s_p2s_us" % m] = 0.01 * scale + 12
    d["mat_res_accel2host_us"] = 0.003 * res_b + 2
    d["mat_res_unpad_us"] = 0.001 * res_b + 1
    return d
def lines(gemms):
    rows = [instrumentation(*x) for x in gemms]
    keys = sorted(rows[0])
    out = ["".join(k + ", " for k in keys)]
    for r in rows:
        out.append("".join(g(r[k]) + ", " for k in keys))
    return out
if __name__ == "__main__":
    mlp = [(256, 784, 8, 2, 2, 9000), (256, 256, 8, 2, 2, 6000), (256, 256, 8, 2, 2, 6000), (10, 256, 8, 2, 2, 2400)]
    open("instrumentation_batch.txt", "w").write("\n".join(lines(mlp)) + "\n")
    inter = []
    for x in mlp[:2]:
        inter += ["Enter rows depth cols, 0 to exit ", "Enter lhs and rhs bits: "] + lines([x])
    inter.append("Enter rows depth cols, 0 to exit ")
    open("instrumentation_interactive.txt", "w").write("\n".join(inter) + "\n")
    batch = lines(mlp)
    open("truncated_line.txt", "w").write("\n".join(batch[:3]) + "\n" + batch[3][:200])
    open("header_only.txt", "w").write(batch[0] + "\n")
    bad = batch[2].split(", ")
    bad[3] = "2e+0x5"
    open("bad_number.txt", "w").write("\n".join(batch[:2] + [", ".join(bad)]) + "\n")
    open("values_before_header.txt", "w").write("\n".join(batch[1:3]) + "\n")
    garbage = batch[:2] + ["*** Error in `./app': free(): invalid pointer: 0x0000aaaae8c1f010 ***"] + batch[2:]
    open("garbage.txt", "w").write("\n".join(garbage) + "\n")
    exc = batch[:2] + ["Exception: LHS is too large and not currently supported in runtime library."] + [batch[0]]
    open("exception.txt", "w").write("\n".join(exc) + "\n")
