#!/usr/bin/env node
// The installed `motive` command: a stable entry (present before the build) that loads the one bundled file.
import "../dist/motive.js"
