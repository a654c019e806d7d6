// The coordinator's per-agent writer over a real gRPC stream on loopback:
// what it queues reaches the agent at once, also when the agent sends
// nothing in the meantime.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <thread>

#include "benchd/v1/agent_service.grpc.pb.h"
#include "daemon/core/agent_session.h"
#include "gtest/gtest.h"

namespace benchd::daemon {
namespace {

using benchd::v1::AgentMessage;
using benchd::v1::CoordinatorMessage;

// Answers a hello as benchd does on connect: a welcome with the first
// assignments queued right behind it, then waits for the agent to leave.
class WelcomingService final : public benchd::v1::AgentService::Service {
 public:
  grpc::Status Attach(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<CoordinatorMessage, AgentMessage>* stream) override {
    AgentMessage hello;
    if (!stream->Read(&hello)) return grpc::Status::CANCELLED;
    AgentSession session(hello.hello(), context, stream);
    CoordinatorMessage welcome;
    welcome.mutable_welcome()->set_agent_name(hello.hello().agent_name());
    session.Send(welcome);
    for (int64_t run_id = 1; run_id <= 2; ++run_id) {
      CoordinatorMessage assign;
      assign.mutable_assign()->set_run_id(run_id);
      session.Send(assign);
    }
    for (AgentMessage ignored; stream->Read(&ignored);) {
    }
    session.Close();
    return grpc::Status::OK;
  }
};

// Before the writer stopped using buffer hints, the welcome (written hinted,
// the assignments being queued) reached a silent agent only with the
// keepalive ping 20 s later, and its runs' leases had expired by then.
TEST(AgentSessionWriterTest, AWelcomeWithAssignmentsQueuedBehindItReachesASilentAgentAtOnce) {
  WelcomingService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = benchd::v1::AgentService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));

  for (int attempt = 0; attempt < 20; ++attempt) {
    grpc::ClientContext context;
    // Far below the keepalive interval: a stalled write fails the test.
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    auto stream = stub->Attach(&context);
    AgentMessage hello;
    hello.mutable_hello()->set_agent_name("silent");
    ASSERT_TRUE(stream->Write(hello));
    CoordinatorMessage message;
    ASSERT_TRUE(stream->Read(&message)) << "attempt " << attempt << ": no welcome";
    EXPECT_TRUE(message.has_welcome());
    for (int64_t run_id = 1; run_id <= 2; ++run_id) {
      ASSERT_TRUE(stream->Read(&message)) << "attempt " << attempt << ": no assignment " << run_id;
      EXPECT_EQ(message.assign().run_id(), run_id);
    }
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
  }
  server->Shutdown();
}

}  // namespace
}  // namespace benchd::daemon
