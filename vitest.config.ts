import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration and end-to-end files each start their own services; two cores.
    maxWorkers: 2,
    env: {
      // DynamoDB Local lives for seconds to a minute per file, so its JVM's optimizing JIT (C2) costs
      // more CPU than it wins back: with the quick compiler only, a file's java takes about half the
      // CPU (the java of every file together was about 60% of the suite's). The `java` launcher reads
      // this; anyone who sets it keeps their own.
      JDK_JAVA_OPTIONS: process.env.JDK_JAVA_OPTIONS ?? '-XX:TieredStopAtLevel=1',
    },
  },
});
