/** `npm run test:faults`: fault scenarios with real processes (a private Redis, killed instances, MySQL KILLs, a failing PG). */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 180_000,
  maxWorkers: 1,
};
