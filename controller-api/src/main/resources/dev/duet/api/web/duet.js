// The service users' page (docs/operations.md, "The web page"). Everything it shows comes from the
// controller's read API; what it checks, it checks with the browser's own WebCrypto. Text only ever
// reaches the page through textContent: nothing the controller serves is read as HTML.
'use strict';

(() => {
  const PAGE = 20;
  const PIN_KEY = 'duet.controller-key-pin';
  const ED25519_SPKI_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
  const SIGNED_DOCUMENT_CONTEXT = 'duet signed document v1\u0000';
  const STATE_FORMAT = 'duet.cvm-state/v2';
  const utf8 = new TextEncoder();

  const byId = (id) => document.getElementById(id);

  function node(tag, className, text) {
    const e = document.createElement(tag);
    if (className) {
      e.className = className;
    }
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  function facts(list, pairs) {
    list.replaceChildren();
    for (const [name, value] of pairs) {
      list.append(node('dt', '', name));
      const dd = node('dd');
      if (value instanceof Node) {
        dd.append(value);
      } else {
        dd.textContent = value;
      }
      list.append(dd);
    }
  }

  function modeBadge(mode) {
    const text = typeof mode === 'string' ? mode : 'unknown';
    const badge = node('span', 'mode mode-' + text.replace(/[^a-z-]/g, ''), text);
    badge.dataset.mode = text;
    return badge;
  }

  /** A refusal of the check: its reason is shown as the check's failure. */
  class CheckFailed extends Error {}

  // Reads. A busy controller answers 429 or 503 with Retry-After: wait once, as it asks, then try again.
  async function get(path) {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(path, { cache: 'no-store', headers: { Accept: 'application/json, text/plain' } });
      if ((response.status === 429 || response.status === 503) && attempt === 0) {
        const wait = Math.min(Number(response.headers.get('Retry-After')) || 1, 10);
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
        continue;
      }
      if (!response.ok) {
        let detail = '';
        try {
          detail = (await response.json()).detail || '';
        } catch (e) {
          detail = '';
        }
        throw new Error(path + ' answered ' + response.status + (detail ? ': ' + detail : ''));
      }
      return response;
    }
  }

  const getJson = async (path) => (await get(path)).json();
  const getText = async (path) => (await get(path)).text();
  const cvmPath = (id) => '/v1/cvms/' + encodeURIComponent(id);

  // Bytes.
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const equalBytes = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

  function fromHex(text, what) {
    if (typeof text !== 'string' || !/^([0-9a-f]{2})*$/.test(text)) {
      throw new CheckFailed(what + ' is not lowercase hex');
    }
    return Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
  }

  function toBase64(bytes) {
    return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
  }

  /** Base64 with exactly one spelling, as the Java verifier reads it: padding kept, unused bits zero. */
  function fromBase64(text, what) {
    let bytes;
    try {
      bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    } catch (e) {
      throw new CheckFailed(what + ' is not base64');
    }
    if (toBase64(bytes) !== text) {
      throw new CheckFailed(what + ' is not canonical base64');
    }
    return bytes;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  }

  /**
   * RFC 8785 (JCS) canonical JSON, as the controller signs and hashes: members sorted by their
   * UTF-16 code units (JavaScript's own string order), no white space, strings and numbers as
   * ECMAScript writes them (which RFC 8785 adopts).
   */
  function canonical(value) {
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        throw new CheckFailed('a number without a canonical form');
      }
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) {
      return '[' + value.map(canonical).join(',') + ']';
    }
    const names = Object.keys(value).sort();
    return '{' + names.map((n) => JSON.stringify(n) + ':' + canonical(value[n])).join(',') + '}';
  }

  async function ed25519Key(spki) {
    if (spki.length !== 44 || !ED25519_SPKI_PREFIX.every((b, i) => spki[i] === b)) {
      throw new CheckFailed('the controller key is not an Ed25519 public key');
    }
    try {
      return await crypto.subtle.importKey('spki', spki, { name: 'Ed25519' }, false, ['verify']);
    } catch (e) {
      throw new CheckFailed('this browser cannot use the Ed25519 key (' + e.name + '); WebCrypto Ed25519 is needed');
    }
  }

  async function ed25519Verify(key, signature, message) {
    return signature.length === 64 && crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
  }

  /**
   * A signed document (SignedDocument.java): exactly payload and signature; the signature exactly
   * alg, key_id and value; Ed25519 over the context string, a zero byte and the canonical payload.
   */
  async function verifySignedDocument(document, key, keyId, what) {
    const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
    const only = (object, names) => isObject(object) && Object.keys(object).every((n) => names.includes(n));
    if (!only(document, ['payload', 'signature']) || !isObject(document.payload) || !only(document.signature, ['alg', 'key_id', 'value'])
      || !['alg', 'key_id', 'value'].every((n) => typeof document.signature[n] === 'string')) {
      throw new CheckFailed(what + ' is not a signed document (exactly payload and signature, the signature exactly alg, key_id and value)');
    }
    const signature = document.signature;
    if (signature.alg !== 'ed25519') {
      throw new CheckFailed(what + ': the signature algorithm is not ed25519');
    }
    if (signature.key_id !== keyId) {
      throw new CheckFailed(what + ' is signed by key ' + signature.key_id + ', not by the controller key ' + keyId);
    }
    const value = fromBase64(signature.value, what + "'s signature");
    const message = concat(utf8.encode(SIGNED_DOCUMENT_CONTEXT), utf8.encode(canonical(document.payload)));
    if (!(await ed25519Verify(key, value, message))) {
      throw new CheckFailed(what + ': the signature does not verify: these are not the bytes the controller signed');
    }
    return document.payload;
  }

  /** A C2SP checkpoint note: origin, size and root hash lines, a blank line, signature lines. */
  function parseCheckpoint(note) {
    if (typeof note !== 'string' || !note.endsWith('\n')) {
      throw new CheckFailed('the checkpoint is not a signed note');
    }
    const split = note.lastIndexOf('\n\n');
    if (split < 0) {
      throw new CheckFailed('the checkpoint has no signature lines');
    }
    const text = note.slice(0, split + 1);
    const lines = text.slice(0, -1).split('\n');
    if (lines.length !== 3 || !/^[1-9][0-9]{0,15}$|^0$/.test(lines[1])) {
      throw new CheckFailed('the checkpoint is not origin, size and root hash');
    }
    const signatures = note.slice(split + 2, -1).split('\n').map((line) => {
      const match = /^\u2014 ([^ +]+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!match) {
        throw new CheckFailed('the checkpoint has a malformed signature line');
      }
      const blob = fromBase64(match[2], 'a checkpoint signature');
      return { name: match[1], keyHash: blob.slice(0, 4), signature: blob.slice(4) };
    });
    return { text, origin: lines[0], size: Number(lines[1]), root: fromBase64(lines[2], 'the checkpoint root'), signatures };
  }

  /** The checkpoint's signature by the controller's note key: name, and key hash SHA-256(name, LF, 0x01, key)[:4]. */
  async function verifyCheckpoint(checkpoint, key, rawKey, origin) {
    if (checkpoint.origin !== origin) {
      throw new CheckFailed('the checkpoint is of log ' + checkpoint.origin + ', not of this controller (' + origin + ')');
    }
    const keyHash = (await sha256(concat(utf8.encode(origin + '\n'), Uint8Array.of(1), rawKey))).slice(0, 4);
    const ours = checkpoint.signatures.filter((s) => s.name === origin && equalBytes(s.keyHash, keyHash));
    if (ours.length === 0) {
      throw new CheckFailed('the checkpoint carries no signature by the controller key');
    }
    for (const s of ours) {
      if (!(await ed25519Verify(key, s.signature, utf8.encode(checkpoint.text)))) {
        throw new CheckFailed('the checkpoint signature does not verify');
      }
    }
  }

  const hashChildren = async (left, right) => sha256(concat(Uint8Array.of(1), left, right));

  /** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or a refusal. */
  async function inclusionRoot(index, size, leaf, path) {
    if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) {
      throw new CheckFailed('entry ' + index + ' is not in a log of size ' + size);
    }
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of path) {
      if (sn === 0) {
        throw new CheckFailed('the inclusion proof is longer than the tree is deep');
      }
      if (fn % 2 === 1 || fn === sn) {
        r = await hashChildren(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
        }
      } else {
        r = await hashChildren(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) {
      throw new CheckFailed('the inclusion proof is shorter than the tree is deep');
    }
    return r;
  }

  // The controller: its key as its evidence names it, and the key pin the user keeps in this browser
  // or in the address opened (#pin=..., e.g. a bookmark), which wins.
  let controller = null;

  /** The address's fragment: cvm=ID and pin=FINGERPRINT, both optional. */
  const fragment = () => new URLSearchParams(location.hash.slice(1));

  function pinned() {
    const fromAddress = fragment().get('pin');
    if (fromAddress !== null) {
      return { pin: fromAddress, where: 'by the address you opened' };
    }
    try {
      return { pin: localStorage.getItem(PIN_KEY) || '', where: 'in this browser' };
    } catch (e) {
      return { pin: '', where: '' };
    }
  }

  function showPin() {
    const { pin, where } = pinned();
    byId('pin-input').value = pin;
    byId('pin-status').textContent = pin
      ? 'Pinned ' + where + ': the check fails if the controller key is any other.'
      : 'Nothing pinned: the check trusts the key the controller serves.';
  }

  /** The fragment that shows a CVM, keeping a pin the address carries. */
  function cvmFragment(id) {
    const next = new URLSearchParams({ cvm: id });
    const pin = fragment().get('pin');
    if (pin !== null) {
      next.set('pin', pin);
    }
    return '#' + next.toString();
  }

  async function loadController() {
    const evidence = await getJson('/v1/controller/evidence');
    const payload = evidence && evidence.payload;
    const signing = payload && payload.signing_key;
    if (!signing || typeof signing.public_key !== 'string') {
      throw new Error('the controller evidence names no signing key');
    }
    const attestation = payload.attestation || {};
    const simulated = attestation.simulated === true;
    const banner = byId('simulated-banner');
    if (simulated || payload.tee === 'none') {
      banner.hidden = false;
      banner.textContent = simulated
        ? 'SIMULATED evidence: duet\u2019s simulated chip signs this controller\u2019s report. It proves nothing about hardware.'
        : 'NO TEE: this is a development controller; nothing attests its key.';
    }
    facts(byId('controller-facts'), [
      ['TEE', payload.tee + (simulated ? ' (SIMULATED)' : '')],
      ['Key fingerprint', signing.key_id],
      ['Log', payload.log ? payload.log.origin : ''],
      ['Sealing', payload.sealing || ''],
      ['Warning', payload.warning || 'none'],
    ]);
    byId('controller-status').textContent = 'As the controller describes itself (its evidence, which this page does not appraise: duet evidence does).';
    controller = { evidence, keyId: signing.key_id, spki: signing.public_key, origin: payload.log ? payload.log.origin : '' };
  }

  // The CVM list and the one shown.
  let cvms = [];
  let shown = null;
  let historyNext = null;

  async function loadList() {
    cvms = (await getJson('/v1/cvms')).cvms || [];
    const list = byId('cvm-list');
    list.replaceChildren();
    for (const cvm of cvms) {
      const item = node('li');
      item.dataset.cvm = cvm.id;
      const link = node('a', '', cvm.name ? cvm.name + ' ' : '');
      link.href = cvmFragment(cvm.id);
      link.append(node('code', '', cvm.id));
      item.append(link, ' ', modeBadge(cvm.mode), node('span', 'muted', ' ' + (cvm.provider || '')));
      list.append(item);
    }
    byId('cvms-status').textContent = cvms.length
      ? cvms.length + (cvms.length === 1 ? ' CVM' : ' CVMs') + ' (modes as listed; open one for its signed state and the check)'
      : 'No CVMs yet.';
  }

  function selected() {
    // A CVM removed from the list still answers by its id: an address that names one shows it.
    const wanted = fragment().get('cvm');
    return cvms.find((c) => c.id === wanted) || (wanted ? { id: wanted } : cvms[0]) || null;
  }

  async function show() {
    const cvm = selected();
    if (!cvm) {
      return;
    }
    shown = cvm.id;
    for (const item of byId('cvm-list').children) {
      item.classList.toggle('selected', item.dataset.cvm === cvm.id);
    }
    byId('cvm').hidden = false;
    byId('cvm-title').textContent = 'CVM ' + (cvm.name || cvm.id);
    facts(byId('cvm-facts'), [['Id', cvm.id], ['Mode', 'loading the signed state…']]);
    for (const part of ['attestation', 'checks', 'history']) {
      byId(part).replaceChildren();
    }
    const id = cvm.id;
    verdict(id, 'running', 'Checking…');
    let state;
    try {
      state = await getJson(cvmPath(id));
    } catch (e) {
      verdict(id, 'failed', 'Browser check FAILED: ' + e.message);
      return;
    }
    if (shown !== id) {
      return;
    }
    showState(state);
    await loadHistory(0);
    await check(id, state);
  }

  function showState(state) {
    const payload = (state && state.payload) || {};
    const cvm = payload.cvm || {};
    const since = cvm.mode_since ? 'entry ' + cvm.mode_since.seq + ' at ' + cvm.mode_since.time : 'unknown';
    facts(byId('cvm-facts'), [
      ['Id', cvm.id || ''],
      ['Name', cvm.name || ''],
      ['Mode', modeBadge(cvm.mode)],
      ['Since', since],
      ['Provider', cvm.provider || ''],
      ['Address', cvm.address || ''],
      ['Host key pin', cvm.host_key_pin || 'none'],
      ['Log entries', String((payload.cvm_log || {}).size)],
      ['Signed at', payload.issued_at || ''],
    ]);
    const attestation = byId('attestation');
    attestation.replaceChildren();
    const a = cvm.host_key_attestation;
    const c = payload.controller || {};
    if (c.simulated || (a && a.simulated)) {
      attestation.append(node('div', 'banner', 'SIMULATED evidence: the reports below come from duet\u2019s simulated chip. They prove nothing about hardware.'));
    }
    const list = node('dl');
    facts(list, [
      ['Controller TEE', (c.tee || 'none') + (c.simulated ? ' (SIMULATED)' : '')],
      ['Host key attested by', a ? a.evidence_source + (a.simulated ? ' (SIMULATED)' : '') : 'nothing: an adopted machine, or no evidence'],
      ['Trust', a ? a.trust : 'none'],
    ]);
    attestation.append(list, node('p', 'muted', 'As the signed state names it; the reports themselves are appraised by duet verify, not here.'));
  }

  function describe(entry) {
    const p = entry.payload || {};
    switch (entry.kind) {
      case 'command.started':
        return (p.argv || []).join(' ');
      case 'command.completed':
        return p.command_id + ': exit ' + (p.exit_status === null || p.exit_status === undefined ? (p.exit_signal || 'none') : p.exit_status)
          + (p.timed_out ? ', timed out' : '');
      case 'mode.changed':
        return p.from + ' \u2192 ' + p.to;
      default:
        return '';
    }
  }

  async function loadHistory(start) {
    const id = shown;
    const page = await getJson(cvmPath(id) + '/entries?start=' + start + '&limit=' + PAGE);
    if (shown !== id) {
      return;
    }
    historyNext = typeof page.next === 'number' ? page.next : null;
    const list = byId('history');
    list.replaceChildren();
    for (const entry of page.entries || []) {
      const item = node('li');
      item.dataset.seq = String(entry.seq);
      item.append(node('span', 'kind', entry.kind), ' ', node('span', '', describe(entry)),
        node('div', 'muted', 'entry ' + entry.seq + ' \u00b7 ' + entry.time + ' \u00b7 ' + entry.actor));
      list.append(item);
    }
    byId('history-status').textContent = (page.entries || []).length
      ? 'Entries ' + page.entries[0].seq + ' to ' + page.entries[page.entries.length - 1].seq + (historyNext === null ? ' (the last page)' : '')
      : 'No entries.';
    byId('history-first').disabled = start === 0;
    byId('history-next').disabled = historyNext === null;
  }

  /** The CVM's last entry: paged from the entry that set its mode (few come after it), following next. */
  async function latestEntry(id, from) {
    let start = from;
    let last = null;
    for (;;) {
      const page = await getJson(cvmPath(id) + '/entries?start=' + start + '&limit=1000');
      const entries = page.entries || [];
      if (entries.length) {
        last = entries[entries.length - 1];
      }
      if (typeof page.next !== 'number') {
        return last;
      }
      start = page.next;
    }
  }

  // The check: each step passes, notes what it leaves to the user, or fails and stops the rest.

  /** The verdict on CVM id, unless the user has since opened another. */
  function verdict(id, status, text) {
    if (shown !== id) {
      return;
    }
    const v = byId('verdict');
    v.dataset.verdict = status;
    v.textContent = text;
  }

  async function check(id, state) {
    const list = byId('checks');
    list.replaceChildren();
    verdict(id, 'running', 'Checking…');
    const step = (name, status, detail) => {
      // A step of a check the user has since left (another CVM opened) is dropped.
      if (shown !== id) {
        return;
      }
      const item = node('li', '', (status === 'passed' ? 'PASSED ' : status === 'failed' ? 'FAILED ' : 'NOTE ') + name + ': ' + detail);
      item.dataset.check = name;
      item.dataset.status = status;
      list.append(item);
    };
    const notes = [];
    let current = 'controller key';
    try {
      if (!controller) {
        throw new CheckFailed('the controller evidence could not be read');
      }
      const spki = fromBase64(controller.spki, 'the controller key');
      if (hex(await sha256(spki)) !== controller.keyId) {
        throw new CheckFailed('the key fingerprint the evidence names is not the SHA-256 of its key');
      }
      const key = await ed25519Key(spki);
      await verifySignedDocument(controller.evidence, key, controller.keyId, 'the controller evidence');
      step(current, 'passed', controller.keyId + ', as the controller served it in its evidence (which it signed with that key)');

      current = 'key pin';
      const { pin, where } = pinned();
      if (pin && pin !== controller.keyId) {
        throw new CheckFailed('you pinned ' + pin + ' (' + where + ') but the controller key is ' + controller.keyId);
      }
      if (pin) {
        step(current, 'passed', 'the controller key is the one you pinned ' + where);
      } else {
        notes.push('the key is trusted as served: pin its fingerprint to detect another key');
        step(current, 'note', 'nothing pinned: the key is trusted as this controller served it');
      }

      current = 'state signature';
      const payload = await verifySignedDocument(state, key, controller.keyId, 'the CVM state');
      if (payload.format !== STATE_FORMAT) {
        throw new CheckFailed('the signed document is a ' + payload.format + ', not a CVM state (' + STATE_FORMAT + ')');
      }
      if (!payload.cvm || payload.cvm.id !== id) {
        throw new CheckFailed('the signed state is of another CVM (' + (payload.cvm && payload.cvm.id) + ')');
      }
      step(current, 'passed', 'Ed25519 over the canonical payload verifies: mode ' + payload.cvm.mode
        + (payload.cvm.mode_since ? ' since entry ' + payload.cvm.mode_since.seq : ''));

      current = 'checkpoint';
      const log = payload.log || {};
      const checkpoint = parseCheckpoint(log.checkpoint);
      const rawKey = spki.slice(ED25519_SPKI_PREFIX.length);
      await verifyCheckpoint(checkpoint, key, rawKey, 'duet.controller/' + controller.keyId);
      if (checkpoint.size !== log.size) {
        throw new CheckFailed('the checkpoint is of a log of ' + checkpoint.size + ' entries, the state names ' + log.size);
      }
      step(current, 'passed', 'signed by the controller for the log of ' + checkpoint.size + ' entries the state names');

      current = 'latest entry';
      const cvmLog = payload.cvm_log || {};
      if (!(cvmLog.size > 0)) {
        throw new CheckFailed('the CVM has no entries to check');
      }
      const entry = await latestEntry(id, payload.cvm.mode_since ? payload.cvm.mode_since.seq : 0);
      if (!entry || entry.subject !== id) {
        throw new CheckFailed('the controller served no latest entry of this CVM');
      }
      const entryBytes = utf8.encode(canonical(entry));
      const entryHash = hex(await sha256(entryBytes));
      if (entryHash !== cvmLog.head) {
        throw new CheckFailed('entry ' + entry.seq + ' hashes to ' + entryHash + ', the signed state names the head ' + cvmLog.head);
      }
      step(current, 'passed', 'entry ' + entry.seq + ' (' + entry.kind + ') hashes to the head the signed state names');

      current = 'inclusion';
      const path = (cvmLog.inclusion || []).map((h) => fromHex(h, 'an inclusion proof hash'));
      const root = await inclusionRoot(entry.seq, checkpoint.size, await sha256(concat(Uint8Array.of(0), entryBytes)), path);
      if (!equalBytes(root, checkpoint.root)) {
        throw new CheckFailed('entry ' + entry.seq + ' is not in the checkpointed log: its proof leads to another root');
      }
      step(current, 'passed', 'entry ' + entry.seq + ' is in the signed checkpoint of size ' + checkpoint.size + ' (RFC 9162, SHA-256)');
    } catch (e) {
      const reason = e instanceof CheckFailed ? e.message : 'could not check: ' + e.message;
      step(current, 'failed', reason);
      verdict(id, 'failed', 'Browser check FAILED: ' + current + ': ' + reason);
      return;
    }
    verdict(id, 'passed', 'Browser check PASSED' + (notes.length ? ' (' + notes.join('; ') + ')' : ''));
  }

  /** A pin set or forgotten in the form: an address that carries one takes the change too, so the form says what is pinned. */
  function repin(pin) {
    const current = fragment();
    if (current.has('pin')) {
      if (pin === null) {
        current.delete('pin');
      } else {
        current.set('pin', pin);
      }
      location.hash = current.toString();
      return;
    }
    showPin();
    show();
  }

  function wire() {
    byId('pin-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const pin = byId('pin-input').value.trim().toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(pin)) {
        byId('pin-status').textContent = 'A fingerprint is 64 hex digits; nothing pinned.';
        return;
      }
      try {
        localStorage.setItem(PIN_KEY, pin);
      } catch (e) {
        byId('pin-status').textContent = 'This browser keeps nothing for this page; pin with the address instead (#pin=…).';
        return;
      }
      repin(pin);
    });
    byId('pin-forget').addEventListener('click', () => {
      try {
        localStorage.removeItem(PIN_KEY);
      } catch (e) {
        // Nothing was kept, so nothing is left to forget.
      }
      repin(null);
    });
    byId('history-first').addEventListener('click', () => loadHistory(0));
    byId('history-next').addEventListener('click', () => historyNext !== null && loadHistory(historyNext));
    window.addEventListener('hashchange', () => {
      showPin();
      show();
    });
  }

  async function start() {
    wire();
    showPin();
    if (!window.crypto || !crypto.subtle) {
      byId('controller-status').textContent = 'This browser offers no WebCrypto here (it needs HTTPS or a loopback address): the check cannot run.';
    }
    try {
      await loadController();
    } catch (e) {
      byId('controller-status').textContent = 'The controller evidence could not be read: ' + e.message;
    }
    try {
      await loadList();
    } catch (e) {
      byId('cvms-status').textContent = 'The CVM list could not be read: ' + e.message;
      return;
    }
    await show();
    document.body.dataset.loaded = 'true';
  }

  start();
})();
