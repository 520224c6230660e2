#include "cli/cli_main.hpp"

int main(int argc, char** argv) { return finetrain::cli::run(argc, argv); }
