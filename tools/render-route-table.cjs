// Rewrites the route table of README.md (between the route-access markers) from
// apps/gateway/e2e/route-access.ts, the table the authorization matrix test walks.
// Run: node -r ./bench/support/register-ts.cjs tools/render-route-table.cjs
const fs = require('node:fs');
const path = require('node:path');
const { renderRouteAccessTable } = require('../apps/gateway/e2e/route-access');

const readme = path.resolve(__dirname, '../README.md');
const START = '<!-- route-access:start -->';
const END = '<!-- route-access:end -->';
const text = fs.readFileSync(readme, 'utf8');
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start < 0 || end < start) throw new Error('README.md has no route-access markers');
fs.writeFileSync(readme, `${text.slice(0, start + START.length)}\n${renderRouteAccessTable()}\n${text.slice(end)}`);
