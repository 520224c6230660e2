#include "data/prompt_video_folder.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open", path.string()));
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // files written on Windows
    lines.push_back(line);
  }
  // A trailing empty line is the usual end of a text file, not an entry.
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::string trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

FolderScan scan_prompt_video_folder(const std::string& root, bool strict) {
  const fs::path dir(root);
  const fs::path prompts_path = dir / "prompts.txt";
  const fs::path videos_path = dir / "videos.txt";
  if (!fs::is_directory(dir)) throw Error(fmt::format("{}: dataset folder does not exist", root));
  for (const auto& p : {prompts_path, videos_path})
    if (!fs::exists(p))
      throw Error(fmt::format("{}: missing; a dataset folder needs prompts.txt and videos.txt (one entry per line)",
                              p.string()));

  const auto prompts = read_lines(prompts_path);
  const auto videos = read_lines(videos_path);
  if (prompts.size() != videos.size())
    throw Error(fmt::format("{} has {} lines but {} has {}: they must be line-aligned", prompts_path.string(),
                            prompts.size(), videos_path.string(), videos.size()));

  FolderScan scan;
  for (size_t i = 0; i < videos.size(); ++i) {
    const std::string origin = fmt::format("{}:{}", videos_path.string(), i + 1);
    const std::string media = trimmed(videos[i]);
    if (media.empty()) throw Error(fmt::format("{}: empty media path", origin));
    const fs::path path = fs::path(media).is_absolute() ? fs::path(media) : dir / media;
    if (!fs::is_regular_file(path)) {
      const std::string problem = fmt::format("{}: {} does not exist", origin, path.string());
      if (strict) throw Error(problem + " (data.strict = true)");
      scan.skipped.push_back(problem);
      continue;
    }
    scan.items.push_back({trimmed(prompts[i]), path.string(), origin});
  }
  return scan;
}

}  // namespace finetrain::host
