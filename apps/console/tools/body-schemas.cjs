// The request bodies of the API description (and the schemas they refer to), which the
// console's forms check before sending: one copy of each constraint, the one the gateway's
// validators write into the description.
const description = require('../../../libs/api-client/openapi.json');

function referencesIn(node, found) {
  if (Array.isArray(node)) for (const item of node) referencesIn(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        const name = value.slice('#/components/schemas/'.length);
        if (!found.has(name)) {
          found.add(name);
          referencesIn(description.components.schemas[name], found);
        }
      } else referencesIn(value, found);
    }
  }
  return found;
}

module.exports = function bodySchemas() {
  const bodies = Object.values(description.paths).flatMap((item) => Object.values(item).map((operation) => operation.requestBody));
  const names = referencesIn(bodies, new Set());
  return Object.fromEntries([...names].sort().map((name) => [name, description.components.schemas[name]]));
};
