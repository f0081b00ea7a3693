// The blob storage settings as the environment gives them (read by src/app/config.cpp); each
// backend's kind (blob_store_kinds.h) checks the ones it needs when it is built.
#pragma once

#include <string>

namespace polyvox {

struct StorageSettings {
  bool mirroring = false;               // STORAGE_MIRRORING: every object also to a second backend
  std::string mirror_backend;           // STORAGE_MIRROR_BACKEND: that backend; default the
                                        // other configured one (s3 <-> cloudinary), else local
  std::string cloudinary_url;           // CLOUDINARY_URL: cloudinary://key:secret@cloud (secret)
  std::string cloudinary_api_base_url;  // CLOUDINARY_API_BASE_URL (default Cloudinary's)
  std::string cloudinary_delivery_base_url;  // CLOUDINARY_DELIVERY_BASE_URL (default Cloudinary's)
  std::string s3_endpoint_url;               // S3_ENDPOINT_URL: path-style server; empty = AWS
  std::string s3_bucket;                     // S3_BUCKET_NAME
  std::string s3_access_key;                 // S3_ACCESS_KEY
  std::string s3_secret_key;                 // S3_SECRET_KEY (secret)
  std::string s3_region = "us-east-1";       // S3_REGION
  std::string public_s3_base_url;            // PUBLIC_S3_BASE_URL: public URLs instead of presigned
  int s3_presign_expires_s = 3600;           // S3_PRESIGN_EXPIRES_SECONDS
};

}  // namespace polyvox
