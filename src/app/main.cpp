// polyvox: one binary, several subcommands (shared/docs/architecture.md).
#include <CLI/CLI.hpp>
#include <iostream>
#include <stdexcept>

extern "C" {
#include <libavutil/log.h>
}

#include "app/commands.h"
#include "app/config.h"

int main(int argc, char** argv) {
  av_log_set_level(AV_LOG_QUIET);  // decoding problems are reported as errors, not log noise

  CLI::App app{"Polyvox: ordered text blocks from many TTS providers into one audio file"};
  app.require_subcommand(1);

  polyvox::SynthArgs synth;
  auto* synth_cmd = app.add_subcommand("synth", "Render a job file into one audio file");
  synth_cmd->add_option("job", synth.job_path, "Job JSON file ('-' reads stdin)")->required();
  synth_cmd->add_option("-o,--output", synth.output_path, "Output audio file")->required();
  synth_cmd->add_option("--manifest", synth.manifest_path, "Write the timing manifest here");
  synth_cmd->add_option("--concurrency", synth.concurrency, "Blocks rendered at once (default: cores)")
      ->check(CLI::Range(1u, 256u));
  synth_cmd->add_option("--format", synth.format, "mp3 or wav (default: the job's output_format)")
      ->check(CLI::IsMember({"mp3", "wav"}));

  std::string voices_provider;
  auto* voices_cmd = app.add_subcommand("voices", "List the voices of one or every provider");
  voices_cmd->add_option("provider", voices_provider, "Provider name");

  polyvox::DiacritizeArgs diacritize;
  auto* diacritize_cmd =
      app.add_subcommand("diacritize", "Add Arabic diacritics to UTF-8 lines (FILE or stdin)");
  diacritize_cmd->add_option("file", diacritize.input_path, "Input file (default: stdin)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  try {
    const polyvox::Config config = polyvox::load_config(polyvox::Environment::load());
    if (*synth_cmd) return polyvox::run_synth(synth, config);
    if (*voices_cmd) return polyvox::run_voices(voices_provider, config);
    if (*diacritize_cmd) return polyvox::run_diacritize(diacritize, config);
  } catch (const std::invalid_argument& e) {
    std::cerr << "polyvox: configuration error: " << e.what() << "\n";
    return 2;
  }
  return 1;
}
