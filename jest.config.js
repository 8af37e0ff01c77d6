// Tests run in Korea's time zone, where this marketplace is deployed, so that a date read or
// written in local time instead of UTC fails a test. Set here, before jest starts its workers.
process.env.TZ = 'Asia/Seoul';

/** @type {import('jest').Config} */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const common = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  // Integration files each boot their own app and database; two workers suit a 2-core machine.
  maxWorkers: 2,
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      // Unit tests, and the integration suite on MySQL/MariaDB + Redis (several instances where a test needs them).
      displayName: 'production profile',
      roots: ['<rootDir>/test', '<rootDir>/src'],
      // Fault scenarios run on their own (`npm run test:faults`); the browser journey belongs to the embedded run.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/', '<rootDir>/test/browser/'],
    },
    {
      ...common,
      // The integration suite again on the embedded profile: SQLite, in-process EventBus and StockGuard, no Redis.
      displayName: 'embedded profile',
      roots: ['<rootDir>/test/e2e', '<rootDir>/test/browser'],
      setupFiles: ['reflect-metadata', '<rootDir>/test/helpers/embedded-profile.js'],
      testPathIgnorePatterns: [
        '/node_modules/',
        // Several instances sharing Redis counters: the embedded profile is one process by design.
        '<rootDir>/test/e2e/checkout-concurrency.e2e.test.ts',
        '<rootDir>/test/e2e/order-payment-interleaving.e2e.test.ts',
        // Adapter tests against their own servers (Redis, s3rver, the Toss sandbox): the same code and servers in either profile.
        '<rootDir>/test/e2e/stock-guard.e2e.test.ts',
        '<rootDir>/test/e2e/event-bus.e2e.test.ts',
        // A Redis Cluster started by the test (3 masters, 3 replicas): Redis only.
        '<rootDir>/test/e2e/redis-cluster.e2e.test.ts',
        '<rootDir>/test/e2e/redis-cluster-failover.e2e.test.ts',
        '<rootDir>/test/e2e/attack-redis-cluster.e2e.test.ts',
        '<rootDir>/test/e2e/storage.e2e.test.ts',
        '<rootDir>/test/e2e/toss-gateway.e2e.test.ts',
        // Start their own processes with their own settings, whatever the run's profile.
        '<rootDir>/test/e2e/process.e2e.test.ts',
        '<rootDir>/test/e2e/first-run.e2e.test.ts',
        // MySQL read replicas: a MariaDB primary and replica of their own; the embedded profile has no MySQL.
        '<rootDir>/test/e2e/read-replicas.e2e.test.ts',
        '<rootDir>/test/e2e/attack-replicas.e2e.test.ts',
      ],
    },
  ],
};
