#pragma once

// What the tests that call the real HTTP routes serve them with.

#include "support/config.h"

namespace txpulse::test {

// The default configuration, listening on 127.0.0.1 and a port the system picks (HttpApi::port() tells).
inline Config localApiConfig()
{
    Config config;
    config.httpPort = 0;
    return config;
}

} // namespace txpulse::test
