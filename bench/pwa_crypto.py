"""Cost of sealing the field app's data at rest, in Debian's Chromium, measured in one run
against the same work on a plain (unencrypted) database as the baseline.

Both databases hold the same 500 submitted applications (each with its queued
create_application and submit_application). Prints ``name: value`` lines, the headline last:

- ``open_ms_plain`` / ``open_ms_encrypted``: open the Store and draw the list view (the real
  ``js/ui/list.js`` render, off-screen) of the 500 records; for the sealed Store this includes
  reading and decrypting every record (queued mutations are counted from their clear
  record-id index and stay sealed until read) (median of --rounds).
- ``list_ms_plain`` / ``list_ms_encrypted``: draw the list again with the Store open (every
  later visit to the list while unlocked) (median).
- ``save_ms_plain`` / ``save_ms_encrypted``: edit one field of one record (``editFields``:
  the record and its queued ``update_fields`` in one transaction) (median).
- ``unlock_ms``: unwrap the data key from the PIN with the shipped PBKDF2 cost
  (``KDF_ITERATIONS``; printed as ``kdf_iterations``) (median).
- ``crypto_overhead_ratio``: the larger of the open and save ratios, encrypted / plain
  (target ≤ 1.3).

The app's shell is served by its real routes on 127.0.0.1; no server database is needed.
Each round measures one open, one redraw and one save per mode: on a shared machine single
samples swing by ±50 %, hence 15 rounds by default.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.pwa_weight import ARGS, CHROMIUM, READY, serve  # noqa: E402

MEASURE = """
async ({ n, rounds }) => {
  const at = (p) => new URL(p, location.href).href;
  const { openDB, deleteDB } = await import(at('/app/vendor/idb.js'));
  const { openStore } = await import(at('/app/core/store.js'));
  const { createVault, openVault, KDF_ITERATIONS } = await import(at('/app/core/vault.js'));
  const { uuid, trackingCode, statusToken } = await import(at('/app/core/ids.js'));
  const list = await import(at('/app/js/ui/list.js'));
  const i18n = await import(at('/app/js/i18n.js'));
  await i18n.loadStrings('id');
  const PIN = '284716';

  const application = (i) => ({
    id: uuid(), permit_type: 'nib-umk', form_version: 1,
    tracking_code: trackingCode(), status_token: statusToken(),
    fields: {
      nik: String(6371050000000000 + i), full_name: `Pemohon Nomor ${i}`,
      phone: `+62812${String(10000000 + i)}`, email: `pemohon${i}@contoh.id`,
      home_address: `Jl. Pangeran Antasari No. ${i}, RT 03 RW 01`,
      home_region: '63.71.05.1001', business_region: '63.71.05.1001',
      business_name: `Warung Nomor ${i}`, business_address: 'Pasar Lama Blok B-7',
      kbli: '47111', capital: 5000000 + i, workers: 2, products: 'Kue basah dan minuman',
      sex: 'P', birth_date: '1990-08-12',
      location: { lat: -3.3186, lon: 114.5944, accuracy_m: 8 },
      documents: ['ktp', 'foto_usaha'],
    },
  });
  const records = Array.from({ length: n }, (_, i) => application(i));
  const { header, key } = await createVault(PIN);
  for (const name of ['bench-plain', 'bench-sealed']) {
    await deleteDB(name);
    const sealed = name === 'bench-sealed';
    const store = await openStore(openDB, { name, deleteDB, key: sealed ? key : null });
    for (const r of records) await store.submitNew(r);
    store.db.close();
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const times = { unlock: [] };
  for (const m of ['open', 'list', 'save']) times[`${m}_plain`] = times[`${m}_sealed`] = null;
  for (const k of Object.keys(times)) times[k] = [];
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['plain', 'sealed']) {
      let t = performance.now();
      const modeKey = mode === 'sealed' ? key : null;
      const store = await openStore(openDB, { name: `bench-${mode}`, deleteDB, key: modeKey });
      const root = document.createElement('div');
      await list.render(root, { hash: '#/', store, params: [] });
      times[`open_${mode}`].push(performance.now() - t);
      const shown = root.querySelectorAll('#records li').length;
      if (shown !== n) throw new Error(`the list shows ${shown} of ${n}`);
      t = performance.now();
      await list.render(document.createElement('div'), { hash: '#/', store, params: [] });
      times[`list_${mode}`].push(performance.now() - t);
      const r = records[round];
      t = performance.now();
      await store.editFields(r.id, { ...r.fields, phone: `+6281399${String(100000 + round)}` });
      times[`save_${mode}`].push(performance.now() - t);
      store.db.close();
    }
    const t = performance.now();
    await openVault(header, PIN);
    times.unlock.push(performance.now() - t);
  }
  for (const name of ['bench-plain', 'bench-sealed']) await deleteDB(name);
  const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  return { iterations: KDF_ITERATIONS, ...medians };
}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with serve() as url, sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=ARGS, headless=True
        )
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        page.set_default_timeout(300_000)
        page.goto(f"{url}/app/")
        page.wait_for_selector(READY)
        got = page.evaluate(MEASURE, {"n": args.records, "rounds": args.rounds})
        ctx.close()
    open_ratio = got["open_sealed"] / got["open_plain"]
    save_ratio = got["save_sealed"] / got["save_plain"]
    print(f"records: {args.records}")
    print(f"kdf_iterations: {got['iterations']}")
    print(f"unlock_ms: {got['unlock']:.0f}")
    print(f"open_ms_plain: {got['open_plain']:.1f}")
    print(f"open_ms_encrypted: {got['open_sealed']:.1f}")
    print(f"list_ms_plain: {got['list_plain']:.1f}")
    print(f"list_ms_encrypted: {got['list_sealed']:.1f}")
    print(f"save_ms_plain: {got['save_plain']:.1f}")
    print(f"save_ms_encrypted: {got['save_sealed']:.1f}")
    print(f"open_ratio: {open_ratio:.2f}")
    print(f"save_ratio: {save_ratio:.2f}")
    print(f"crypto_overhead_ratio: {max(open_ratio, save_ratio):.2f}")


if __name__ == "__main__":
    main()
