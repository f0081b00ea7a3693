#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "api/api_deps.h"
#include "api/http_server.h"
#include "api/router.h"
#include "app/commands.h"
#include "app/wiring.h"
#include "auth/auth_service.h"
#include "auth/login_throttle.h"
#include "core/ids.h"
#include "core/metrics.h"
#include "log/log.h"
#include "storage/local_blob_store.h"
#include "worker/cleanup.h"
#include "worker/worker_pool.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;

// SECRET_KEY, or a random key generated once and kept (mode 0600) in the data directory. Never
// a default baked into the code.
Result<std::string> signing_key(const ServiceConfig& service) {
  if (!service.secret_key.empty()) {
    if (service.secret_key.size() < 32) {
      return invalid_input("SECRET_KEY", "must be at least 32 characters");
    }
    return service.secret_key;
  }
  const fs::path path = fs::path(service.data_dir) / "secret_key";
  std::ifstream in(path);
  std::string key;
  if (in && std::getline(in, key) && key.size() >= 32) return key;
  key = random_hex(32);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, key.data(), key.size()) != static_cast<ssize_t>(key.size()) ||
      ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return Error{ErrorKind::kIo, "cannot write " + path.string(), ""};
  }
  ::close(fd);
  return key;
}

void register_store_gauges(MetricsRegistry& metrics, JobStore& jobs) {
  metrics.gauge("polyvox_jobs", "Jobs by status", {"status"}, [&jobs] {
    std::vector<std::pair<std::vector<std::string>, double>> samples;
    if (auto counts = jobs.counts()) {
      for (JobStatus s : {JobStatus::kQueued, JobStatus::kProcessing, JobStatus::kCompleted,
                          JobStatus::kFailed, JobStatus::kCancelled}) {
        auto it = counts->jobs.find(s);
        samples.push_back({{job_status_name(s)},
                           static_cast<double>(it == counts->jobs.end() ? 0 : it->second)});
      }
    }
    return samples;
  });
  metrics.gauge("polyvox_queue_depth", "Tasks waiting to be claimed", {}, [&jobs] {
    std::vector<std::pair<std::vector<std::string>, double>> samples;
    if (auto counts = jobs.counts()) samples.push_back({{}, static_cast<double>(counts->queue_depth)});
    return samples;
  });
}

}  // namespace

int run_serve(const Config& config) {
  const ServiceConfig& service = config.service;
  log::configure(service.log_level, service.log_format);
  // Signals are taken synchronously by this thread (sigwait); every thread started from here
  // inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::error_code ec;
  fs::create_directories(service.data_dir, ec);
  if (ec) {
    std::cerr << "polyvox serve: cannot create POLYVOX_DATA_DIR " << service.data_dir << ": "
              << ec.message() << "\n";
    return 2;
  }
  SystemClock clock;
  auto backend = open_backend(config, clock);
  if (!backend) {
    std::cerr << "polyvox serve: " << backend.error().to_string() << "\n";
    return 2;
  }
  LocalBlobStore blobs(fs::path(service.data_dir) / "blobs");
  auto providers = build_providers(config);
  auto diacritizer = build_diacritizer(config);
  MetricsRegistry metrics;
  register_store_gauges(metrics, *backend->jobs);

  auto key = signing_key(service);
  if (!key) {
    std::cerr << "polyvox serve: " << key.error().to_string() << "\n";
    return 2;
  }
  InMemoryLoginThrottle throttle(clock);
  AuthOptions auth_options;
  auth_options.token_lifetime_s = service.token_lifetime_s;
  AuthService auth(*backend->users, JwtSigner(*key), throttle, clock, auth_options);
  auto admin = auth.bootstrap_admin(service.admin_username, service.admin_password);
  if (!admin) {
    std::cerr << "polyvox serve: cannot create the first user: " << admin.error().message << "\n";
    return 1;
  }
  if (!admin->empty() && service.admin_password.empty()) {
    // Shown once, on the console only, never in the structured log.
    std::cerr << "Created user '" << service.admin_username << "' with password: " << *admin
              << "\n(shown once; change it with `polyvox users passwd "
              << service.admin_username << "`)\n";
  }

  ApiDeps deps;
  deps.settings.job = config.job;
  deps.settings.public_base_url = service.public_base_url;
  deps.settings.metrics_enabled = service.metrics_enabled;
  deps.jobs = backend->jobs;
  deps.users = backend->users;
  deps.auth = &auth;
  deps.blobs = &blobs;
  deps.providers = providers.get();
  deps.metrics = &metrics;
  deps.clock = &clock;
  Router router(metrics);
  register_routes(router, deps);

  RequestObserver observer;
  if (service.access_log) {
    observer = [](const HttpRequest& req, const HttpResponse& res, const Route& route,
                  double seconds) {
      log::info("request", {{"request_id", req.request_id},
                            {"method", req.method},
                            {"route", route.pattern},
                            {"status", static_cast<long long>(res.status)},
                            {"ms", seconds * 1000.0},
                            {"remote", req.remote_address}});
    };
  }
  HttpServer server(service.http, router, observer);

  WorkerOptions worker_options = service.worker;
  worker_options.render = config.render;
  worker_options.scratch_dir = fs::path(service.data_dir) / "tmp";
  worker_options.worker_id = "embedded-" + std::to_string(::getpid()) + "-" + random_hex(3);
  WorkerPool workers(*backend->queue, *backend->jobs, blobs, *providers, *diacritizer, clock,
                     metrics, worker_options);
  CleanupOptions cleanup_options = service.cleanup;
  cleanup_options.temp_dirs = {worker_options.scratch_dir};
  CleanupScheduler cleanup(*backend->jobs, blobs, clock, cleanup_options);

  if (Status started = server.start(); !started) {
    std::cerr << "polyvox serve: " << started.error().message << "\n";
    return 2;
  }
  workers.start();
  cleanup.start();
  const std::string url = "http://" + service.http.host + ":" + std::to_string(server.port());
  log::info("polyvox serving", {{"url", url},
                                {"docs", url + "/docs"},
                                {"mode", "embedded"},
                                {"data_dir", service.data_dir},
                                {"workers", static_cast<long long>(worker_options.concurrency)}});
  std::cerr << "Polyvox is listening on " << url << "  (API docs: " << url << "/docs)\n"
            << "Log in: curl -d 'username=" << service.admin_username
            << "&password=...' " << url << "/token\n";

  int received = 0;
  sigwait(&signals, &received);
  log::info("shutting down", {{"signal", static_cast<long long>(received)}});
  server.stop();
  cleanup.stop();
  workers.stop();
  log::info("stopped");
  return 0;
}

}  // namespace polyvox
