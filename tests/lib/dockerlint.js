#!/usr/bin/env node
// Validate Dockerfiles with the dockerfile-utils parser/validator (the one
// behind VS Code's Docker language server). Prints file:line:col: problem
// for every error or warning and exits 1 if there was any, 2 on bad usage.
'use strict';
const fs = require('fs');
const { validate } = require('dockerfile-utils');

const files = process.argv.slice(2);
if (files.length === 0) {
	console.error('usage: dockerlint.js Dockerfile...');
	process.exit(2);
}
const severityName = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };
let problems = 0;
for (const file of files) {
	let text;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (e) {
		console.error(`${file}: cannot read: ${e.message}`);
		problems++;
		continue;
	}
	for (const d of validate(text)) {
		const where = `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}`;
		console.log(`${where}: ${severityName[d.severity] || 'problem'}: ${d.message}`);
		if (d.severity === 1 || d.severity === 2)
			problems++;
	}
}
process.exit(problems ? 1 : 0);
