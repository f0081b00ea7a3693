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
#include "app/runtime.h"
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

WorkerOptions worker_options(const Runtime& rt, const std::string& role) {
  WorkerOptions options = rt.config.service.worker;
  options.render = rt.config.render;
  options.scratch_dir = std::filesystem::path(rt.config.service.data_dir) / "tmp";
  char host[256] = "host";
  ::gethostname(host, sizeof host - 1);
  options.worker_id = role + "-" + host + "-" + std::to_string(::getpid()) + "-" + random_hex(3);
  return options;
}

int run_serve(const Config& config) {
  const ServiceConfig& service = config.service;
  log::configure(service.log_level, service.log_format);
  block_stop_signals();
  auto opened = open_runtime(config);
  if (!opened) {
    std::cerr << "polyvox serve: " << opened.error().to_string() << "\n";
    return 2;
  }
  Runtime& rt = **opened;
  register_store_gauges(rt.metrics, *rt.backend.jobs);

  auto key = signing_key(service);
  if (!key) {
    std::cerr << "polyvox serve: " << key.error().to_string() << "\n";
    return 2;
  }
  InMemoryLoginThrottle memory_throttle(rt.clock);
  LoginThrottle& throttle = rt.backend.throttle ? *rt.backend.throttle : memory_throttle;
  AuthOptions auth_options;
  auth_options.token_lifetime_s = service.token_lifetime_s;
  AuthService auth(*rt.backend.users, JwtSigner(*key), throttle, rt.clock, auth_options);
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
  deps.jobs = rt.backend.jobs;
  deps.users = rt.backend.users;
  deps.auth = &auth;
  deps.blobs = rt.blobs.get();
  deps.providers = rt.providers.get();
  deps.metrics = &rt.metrics;
  deps.clock = &rt.clock;
  Router router(rt.metrics);
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

  // Embedded mode: the workers and the scheduler run in this process. Distributed mode: this is
  // a stateless API node; `polyvox worker` processes do the work.
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<CleanupScheduler> cleanup;
  const WorkerOptions options = worker_options(rt, "embedded");
  if (!rt.distributed() && options.concurrency > 0) {
    workers = std::make_unique<WorkerPool>(*rt.backend.queue, *rt.backend.jobs, *rt.blobs,
                                           *rt.providers, *rt.diacritizer, rt.cache.get(),
                                           rt.clock, rt.metrics, options);
    CleanupOptions cleanup_options = service.cleanup;
    cleanup_options.temp_dirs = {options.scratch_dir};
    cleanup = std::make_unique<CleanupScheduler>(*rt.backend.jobs, *rt.blobs, rt.clock,
                                                 cleanup_options);
  }

  if (Status started = server.start(); !started) {
    std::cerr << "polyvox serve: " << started.error().message << "\n";
    return 2;
  }
  if (workers) workers->start();
  if (cleanup) cleanup->start();
  const std::string url = "http://" + service.http.host + ":" + std::to_string(server.port());
  log::info("polyvox serving",
            {{"url", url},
             {"docs", url + "/docs"},
             {"mode", rt.distributed() ? "distributed" : "embedded"},
             {"workers", static_cast<long long>(workers ? options.concurrency : 0)}});
  std::cerr << "Polyvox is listening on " << url << "  (API docs: " << url << "/docs)\n"
            << "Log in: curl -d 'username=" << service.admin_username
            << "&password=...' " << url << "/token\n";

  const int received = wait_for_stop_signal();
  log::info("shutting down", {{"signal", static_cast<long long>(received)}});
  server.stop();
  if (cleanup) cleanup->stop();
  if (workers) workers->stop();
  log::info("stopped");
  return 0;
}

int run_worker(const Config& config) {
  const ServiceConfig& service = config.service;
  log::configure(service.log_level, service.log_format);
  if (service.redis_url.empty()) {
    std::cerr << "polyvox worker: REDIS_URL is not set (in embedded mode `polyvox serve` runs "
                 "the workers itself)\n";
    return 2;
  }
  block_stop_signals();
  auto opened = open_runtime(config);
  if (!opened) {
    std::cerr << "polyvox worker: " << opened.error().to_string() << "\n";
    return 2;
  }
  Runtime& rt = **opened;
  const WorkerOptions options = worker_options(rt, "worker");
  WorkerPool workers(*rt.backend.queue, *rt.backend.jobs, *rt.blobs, *rt.providers,
                     *rt.diacritizer, rt.cache.get(), rt.clock, rt.metrics, options);
  CleanupOptions cleanup_options = service.cleanup;
  cleanup_options.temp_dirs = {options.scratch_dir};
  cleanup_options.leads_job_cleanup = rt.backend.leads_periodic_work;  // one worker node at a time
  CleanupScheduler cleanup(*rt.backend.jobs, *rt.blobs, rt.clock, cleanup_options);
  workers.start();
  cleanup.start();
  log::info("polyvox worker started", {{"worker", options.worker_id},
                                       {"concurrency", static_cast<long long>(options.concurrency)}});
  const int received = wait_for_stop_signal();
  log::info("shutting down", {{"signal", static_cast<long long>(received)}});
  cleanup.stop();
  workers.stop();
  log::info("stopped");
  return 0;
}

}  // namespace polyvox
