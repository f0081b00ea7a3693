// The servers the storage tests run against: npm's s3rver behind a SigV4-verifying proxy
// (tests/support/s3_server.js) and the Cloudinary mock (tests/support/mock_cloudinary.py), each
// started once per test binary, plus the store options pointing at them.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "../../support/server_process.h"
#include "core/ids.h"
#include "http/http_client.h"
#include "storage/cloudinary_blob_store.h"
#include "storage/s3_blob_store.h"

namespace polyvox::test_support {

class StorageServers : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("polyvox-s3rver-" + random_hex(6));
    std::filesystem::create_directories(dir_);
    s3_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"node", std::string(POLYVOX_TEST_SUPPORT_DIR) + "/s3_server.js",
                                 POLYVOX_NODE_MODULES, dir_.string()});
    cloudinary_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        POLYVOX_PYTHON, std::string(POLYVOX_TEST_SUPPORT_DIR) + "/mock_cloudinary.py"});
  }
  void TearDown() override {
    s3_.reset();
    cloudinary_.reset();
    std::filesystem::remove_all(dir_);
  }

  static StorageServers& get() { return *instance_; }
  static StorageServers* install() {
    instance_ = new StorageServers();
    return instance_;
  }

  const nlohmann::json& s3() const { return s3_->description(); }
  const nlohmann::json& cloudinary() const { return cloudinary_->description(); }

  S3Options s3_options() const {
    S3Options o;
    o.endpoint_url = s3()["url"];
    o.bucket = s3()["bucket"];
    o.access_key = s3()["access_key"];
    o.secret_key = s3()["secret_key"];
    o.region = s3()["region"];
    return o;
  }

  CloudinaryOptions cloudinary_options() const {
    CloudinaryOptions o;
    o.cloud_name = cloudinary()["cloud_name"];
    o.api_key = cloudinary()["api_key"];
    o.api_secret = cloudinary()["api_secret"];
    o.api_base_url = cloudinary()["api_base_url"];
    o.delivery_base_url = cloudinary()["delivery_base_url"];
    return o;
  }

  // A control request (unsigned) to a server's own endpoints; the parsed JSON answer.
  nlohmann::json control(const nlohmann::json& server, const std::string& method,
                         const std::string& path, const std::string& body = "") const {
    http::HttpClientRequest request;
    request.method = method;
    request.url = "http://127.0.0.1:" + std::to_string(server["port"].get<int>()) + path;
    request.body = body;
    auto response = client_.send(request);
    if (!response || response->status != 200) {
      throw std::runtime_error("control " + path + " failed");
    }
    return nlohmann::json::parse(response->body);
  }

 private:
  static inline StorageServers* instance_ = nullptr;
  std::filesystem::path dir_;
  std::unique_ptr<ServerProcess> s3_;
  std::unique_ptr<ServerProcess> cloudinary_;
  http::HttpClient client_;
};

}  // namespace polyvox::test_support
