// `polyvox serve` and `polyvox worker`: what they tell the operator, around the processes the
// composition root builds.
#include <iostream>

#include "app/commands.h"
#include "app/composition_root.h"
#include "log/log.h"

namespace polyvox {
namespace {

int fail(const char* command, const Error& error, int code) {
  std::cerr << "polyvox " << command << ": " << error.to_string() << "\n";
  return code;
}

// Shown once, on the console only, never in the structured log.
void show_generated_password(const ServiceConfig& service, const std::string& password) {
  std::cerr << "Created user '" << service.admin_username << "' with password: " << password
            << "\n(shown once; change it with `polyvox users passwd " << service.admin_username
            << "`)\n";
}

}  // namespace

int run_serve(const Config& config) {
  const ServiceConfig& service = config.service;
  log::configure(service.log_level, service.log_format);
  block_stop_signals();
  auto process = ServeProcess::build(config);
  if (!process) return fail("serve", process.error(), 2);
  ServeProcess& serve = **process;
  auto admin = serve.ensure_admin();
  if (!admin) {
    Error error = admin.take_error();
    error.message = "cannot create the first user: " + error.message;
    // A too short ADMIN_PASSWORD is configuration (2); Redis gone meanwhile is the state (1).
    return fail("serve", error, error.kind == ErrorKind::kInvalidInput ? 2 : 1);
  }
  if (!admin->empty()) show_generated_password(service, *admin);
  if (Status started = serve.start(); !started) {
    // A HOST that is no address is configuration (2); a port in use is the machine's state (1).
    const bool misconfigured = started.error().kind == ErrorKind::kInvalidInput;
    return fail("serve", started.error(), misconfigured ? 2 : 1);
  }
  const std::string url = serve.url();
  log::info("polyvox serving", {{"url", url},
                                {"docs", url + "/docs"},
                                {"mode", serve.distributed() ? "distributed" : "embedded"},
                                {"workers", static_cast<long long>(serve.workers())}});
  std::cerr << "Polyvox is listening on " << url << "  (API docs: " << url << "/docs)\n"
            << "Log in: curl -d 'username=" << service.admin_username << "&password=...' " << url
            << "/token\n";
  log::info("shutting down", {{"signal", static_cast<long long>(wait_for_stop_signal())}});
  serve.stop();
  log::info("stopped");
  return 0;
}

int run_worker(const Config& config) {
  log::configure(config.service.log_level, config.service.log_format);
  if (config.service.redis_url.empty()) {
    std::cerr << "polyvox worker: REDIS_URL is not set (in embedded mode `polyvox serve` runs "
                 "the workers itself)\n";
    return 2;
  }
  block_stop_signals();
  auto process = WorkerProcess::build(config);
  if (!process) return fail("worker", process.error(), 2);
  WorkerProcess& worker = **process;
  worker.start();
  log::info(
      "polyvox worker started",
      {{"worker", worker.id()}, {"concurrency", static_cast<long long>(worker.concurrency())}});
  log::info("shutting down", {{"signal", static_cast<long long>(wait_for_stop_signal())}});
  worker.stop();
  log::info("stopped");
  return 0;
}

}  // namespace polyvox
