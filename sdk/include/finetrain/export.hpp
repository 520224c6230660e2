// Visibility of SDK symbols. Plugins compile with -fvisibility=hidden; everything the SDK shares
// with them is marked FT_SDK_API so that references resolve to libfinetrain_sdk.so.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define FT_SDK_API __attribute__((visibility("default")))
#else
#define FT_SDK_API
#endif
