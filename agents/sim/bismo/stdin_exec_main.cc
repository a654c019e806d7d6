// benchd-stdin-exec: runs a program with a file as its standard input.
//
//   benchd-stdin-exec <input file> <program> [arguments...]
//
// The agent's process runner starts tools with an empty stdin and never
// through a shell, so a tool that reads its work from stdin (BISMO's
// benchmark in batch mode) is started through this: it opens the file,
// makes it descriptor 0 and execs the program (looked up on PATH as execvp
// does) with the arguments unchanged. Nothing is interpreted: no shell, no
// globbing, no quoting. It is installed beside bench-agent because real
// boards need it, not only the simulators.
// Exit codes when it cannot exec: 125 for a usage or input-file error, 126
// when the program cannot be executed, 127 when it is not found, with a
// message on stderr.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char* argv[]) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: benchd-stdin-exec <input file> <program> [arguments...]\n");
    return 125;
  }
  const int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "benchd-stdin-exec: open '%s': %s\n", argv[1], std::strerror(errno));
    return 125;
  }
  if (dup2(fd, STDIN_FILENO) < 0) {
    std::fprintf(stderr, "benchd-stdin-exec: dup2: %s\n", std::strerror(errno));
    return 125;
  }
  execvp(argv[2], argv + 2);
  const int error = errno;
  std::fprintf(stderr, "benchd-stdin-exec: exec '%s': %s\n", argv[2], std::strerror(error));
  return error == ENOENT ? 127 : 126;
}
