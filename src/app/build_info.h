// What the running binary is: its version and the source it was built from (`polyvox
// --version`). build_revision() is defined by a file generated at every build
// (cmake/build_info.cmake), linked into the executable only, so that a new commit relinks the
// binary and nothing else.
#pragma once

#include <string>

namespace polyvox {

// The git commit the binary was built from (12 hex digits), "+dirty" when the checkout had
// uncommitted changes, "unknown" when built outside a git checkout.
const char* build_revision();

// The text of `polyvox --version`: "polyvox VERSION (revision REV)", then the backends and the
// implementations registered in this binary, one kind of seam per line.
std::string version_text();

}  // namespace polyvox
