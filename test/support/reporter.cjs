// Mocha's spec reporter plus one plain closing line CI can read: "N passed, N failed, N skipped".
const Mocha = require('mocha');

class DeadboltReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const { passes, failures, pending } = runner.stats ?? this.stats;
      process.stdout.write(`\ntests: ${passes} passed, ${failures} failed, ${pending} skipped\n`);
    });
  }
}

module.exports = DeadboltReporter;
