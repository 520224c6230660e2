// The simplest dataset layout finetrainers accepts: a folder with `prompts.txt` and `videos.txt`,
// line-aligned, media paths relative to the folder (images count as one-frame videos).
#pragma once

#include <string>
#include <vector>

namespace finetrain::host {

struct MediaItem {
  std::string caption;
  std::string media_path;  // absolute or relative to the working directory
  std::string origin;      // "videos.txt:12", for messages
};

struct FolderScan {
  std::vector<MediaItem> items;
  std::vector<std::string> skipped;  // one line per unusable entry (missing file), with its origin
};

// Reads the two files. Structural problems (a file missing, different line counts, an empty media
// line) are errors naming file and line; a media file that does not exist is skipped and reported,
// or an error when `strict`.
FolderScan scan_prompt_video_folder(const std::string& root, bool strict);

}  // namespace finetrain::host
