#include "daemon/core/agent_inbox.h"

#include <gtest/gtest.h>

#include <future>

namespace benchd::daemon {
namespace {

benchd::v1::AgentMessage Report(int64_t seq) {
  benchd::v1::AgentMessage message;
  message.mutable_report()->set_run_id(1);
  message.mutable_report()->set_seq(seq);
  return message;
}

TEST(AgentInboxTest, OnlyThePushThatFindsItIdleHandsItToTheWorker) {
  AgentInbox inbox(16);
  EXPECT_EQ(inbox.Push(Report(1)), AgentInbox::Pushed::kFirst);
  EXPECT_EQ(inbox.Push(Report(2)), AgentInbox::Pushed::kQueued);
  const auto taken = inbox.TakeAll();
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].report().seq(), 1);
  EXPECT_EQ(taken[1].report().seq(), 2);
  // Still the worker's until handled: a message now waits for it.
  EXPECT_EQ(inbox.Push(Report(3)), AgentInbox::Pushed::kQueued);
  EXPECT_TRUE(inbox.Handled(absl::OkStatus()));
  EXPECT_EQ(inbox.TakeAll().size(), 1u);
  EXPECT_FALSE(inbox.Handled(absl::OkStatus()));
  EXPECT_EQ(inbox.Push(Report(4)), AgentInbox::Pushed::kFirst);
}

TEST(AgentInboxTest, AFailureClosesItDropsWhatIsQueuedAndIsWhatTheHandlerGets) {
  AgentInbox inbox(16);
  ASSERT_EQ(inbox.Push(Report(1)), AgentInbox::Pushed::kFirst);
  inbox.TakeAll();
  ASSERT_EQ(inbox.Push(Report(2)), AgentInbox::Pushed::kQueued);
  EXPECT_FALSE(inbox.Handled(absl::UnavailableError("database went away")));
  EXPECT_EQ(inbox.Push(Report(3)), AgentInbox::Pushed::kClosed);
  const absl::Status status = inbox.CloseAndWait();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "database went away");
}

TEST(AgentInboxTest, CloseWaitsForTheWorkerToHandleWhatWasQueued) {
  AgentInbox inbox(16);
  ASSERT_EQ(inbox.Push(Report(1)), AgentInbox::Pushed::kFirst);
  auto closed = std::async(std::launch::async, [&] { return inbox.CloseAndWait(); });
  // The message pushed before the close is still handed out.
  EXPECT_EQ(inbox.TakeAll().size(), 1u);
  EXPECT_FALSE(inbox.Handled(absl::OkStatus()));
  EXPECT_TRUE(closed.get().ok());
}

TEST(AgentInboxTest, AFullInboxHoldsTheReaderUntilTheWorkerTakesIt) {
  AgentInbox inbox(1);
  ASSERT_EQ(inbox.Push(Report(1)), AgentInbox::Pushed::kFirst);
  auto second = std::async(std::launch::async, [&] { return inbox.Push(Report(2)); });
  EXPECT_EQ(inbox.TakeAll().size(), 1u);
  EXPECT_EQ(second.get(), AgentInbox::Pushed::kQueued);
  EXPECT_TRUE(inbox.Handled(absl::OkStatus()));
  EXPECT_EQ(inbox.TakeAll()[0].report().seq(), 2);
}

}  // namespace
}  // namespace benchd::daemon
