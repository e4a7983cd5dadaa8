#!/usr/bin/env node
'use strict';
require('../dist/cli.cjs').runCli(process.argv.slice(2));
