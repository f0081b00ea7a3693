// The storage tests against real servers share one s3rver and one Cloudinary mock.
#include <gtest/gtest.h>

#include "storage_servers.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(polyvox::test_support::StorageServers::install());
  return RUN_ALL_TESTS();
}
