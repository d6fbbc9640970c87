// Rewrites README.md's configuration block: npm run docs:config
const fs = require('node:fs');
const path = require('node:path');
const { withConfigReference } = require('./config-reference');

const readme = path.resolve(__dirname, '../../README.md');
fs.writeFileSync(readme, withConfigReference(fs.readFileSync(readme, 'utf8')));
