// Compares how long a failed login takes for a known and an unknown username: the two
// must not be told apart by their timing. Run against a started system whose login
// throttle is raised (LOGIN_MAX_FAILURES_PER_USERNAME/ADDRESS), e.g.
//   node tools/measure-login-timing.mjs http://127.0.0.1:3000/api/v1 admin
const [base = 'http://127.0.0.1:3000/api/v1', knownUsername = 'admin'] = process.argv.slice(2);
const url = `${base}/auth/login`;
const time = async (username) => {
  const t = performance.now();
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'wrong-password-xyz-1' }) });
  await r.text();
  if (r.status !== 401) throw new Error(`status ${r.status}`);
  return performance.now() - t;
};
const known = [], unknown = [];
for (let i = 0; i < 5; i++) { await time(knownUsername); await time(`nobody${i}`); }
for (let i = 0; i < 60; i++) { known.push(await time(knownUsername)); unknown.push(await time(`nobody-${i}@nowhere`)); }
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const p90 = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length * 0.9)]; };
console.log(`known username, wrong password: median ${med(known).toFixed(1)} ms, p90 ${p90(known).toFixed(1)} ms (n=60)`);
console.log(`unknown username:              median ${med(unknown).toFixed(1)} ms, p90 ${p90(unknown).toFixed(1)} ms (n=60)`);
console.log(`ratio of medians unknown/known: ${(med(unknown) / med(known)).toFixed(2)}`);
