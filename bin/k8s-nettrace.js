#!/usr/bin/env node
import "../dist/src/cli/node-main.js";
