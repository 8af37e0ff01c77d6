// Jest setup for the `embedded profile` project: test apps boot on SQLite with in-process adapters (see test-app.ts).
process.env.TEST_PROFILE = 'embedded';
