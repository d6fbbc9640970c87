// What `virtual:warden-body-schemas` is outside Vite (the component tests under jest).
module.exports = { __esModule: true, default: require('./body-schemas.cjs')() };
