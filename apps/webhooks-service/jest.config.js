// This project's unit tests, for `nx test` and `nx affected -t test` (`npm run test:unit` runs every project's).
module.exports = { ...require('../../jest.unit.config.js'), rootDir: __dirname };
