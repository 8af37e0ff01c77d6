/** `npm run test:faults`: fault scenarios with real processes (a private Redis, killed instances, MySQL KILLs, a failing PG). */
const { projects } = require('./jest.config');

const production = projects[0];
module.exports = {
  testEnvironment: production.testEnvironment,
  testMatch: production.testMatch,
  transform: production.transform,
  setupFiles: production.setupFiles,
  roots: ['<rootDir>/test/faults'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 180_000,
  maxWorkers: 1,
};
