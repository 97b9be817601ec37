# Shared by the fetch scripts, which set DIR (where the files go), FIX (the command that
# repairs it) and SHA (file name -> published sha256) before sourcing this.

check() { # prints the first missing or corrupt file, or nothing
  for f in "${!SHA[@]}"; do
    if [ ! -f "$DIR/$f" ]; then echo "$DIR/$f is missing"; return; fi
    if [ "$(sha256sum "$DIR/$f" | cut -d' ' -f1)" != "${SHA[$f]}" ]; then
      echo "$DIR/$f is corrupt (sha256 differs from the published file)"; return
    fi
  done
}

# Nothing to do when DIR holds every file intact; a finished download that is damaged is an
# error with its fix, not a silent new download.
if [ -d "$DIR" ]; then
  problem=$(check)
  if [ -z "$problem" ]; then exit 0; fi
  if [ -f "$DIR/.complete" ]; then
    echo "error: $problem. Fix: $FIX" >&2; exit 1
  fi
fi
