#pragma once

namespace finetrain::cli {

// The whole `finetrain` command line; returns the process exit code.
int run(int argc, char** argv);

}  // namespace finetrain::cli
