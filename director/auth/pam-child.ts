/**
 * The PAM conversation, run in a short-lived child process (see pam.ts for why). `pamChild` is shipped
 * to the child as source text (`PAM_CHILD_SCRIPT`), so it must stay self-contained: no references to
 * anything outside its body. Input on stdin as JSON; one JSON line on stdout.
 */
export interface PamChildInput {
  service: string;
  user: string;
  password: string;
  otp?: string;
  confdir?: string;
  accountCheck: boolean;
}

export interface PamChildOutput {
  rc: number;
  step: 'start' | 'authenticate' | 'account' | 'done';
  error?: string;
  groups?: string[];
}

async function pamChild(): Promise<void> {
  const { dlopen, JSCallback, read, toArrayBuffer, CString } = await import('bun:ffi');
  const input = JSON.parse(await Bun.stdin.text()) as PamChildInput;
  const cString = (s: string) => Buffer.from(`${s}\0`, 'utf8');
  const libc = dlopen('libc.so.6', {
    calloc: { args: ['u64', 'u64'], returns: 'ptr' },
    strdup: { args: ['ptr'], returns: 'ptr' },
    getpwnam: { args: ['ptr'], returns: 'ptr' },
    getgrouplist: { args: ['ptr', 'u32', 'ptr', 'ptr'], returns: 'i32' },
    getgrgid: { args: ['u32'], returns: 'ptr' },
  }).symbols;
  const common = {
    pam_start: { args: ['ptr', 'ptr', 'ptr', 'ptr'], returns: 'i32' },
    pam_authenticate: { args: ['ptr', 'i32'], returns: 'i32' },
    pam_acct_mgmt: { args: ['ptr', 'i32'], returns: 'i32' },
    pam_end: { args: ['ptr', 'i32'], returns: 'i32' },
    pam_strerror: { args: ['ptr', 'i32'], returns: 'ptr' },
  } as const;
  const confdirSym = { pam_start_confdir: { args: ['ptr', 'ptr', 'ptr', 'ptr', 'ptr'], returns: 'i32' } } as const;
  const pam = dlopen('libpam.so.0', input.confdir ? { ...common, ...confdirSym } : common).symbols as Record<string, (...a: unknown[]) => number>;
  const out = (o: PamChildOutput) => console.log(JSON.stringify(o));

  // Echo-off prompts get the password, then the OTP (pam_oath and friends); echo-on prompts the user name.
  const secrets = [cString(input.password), ...(input.otp ? [cString(input.otp)] : [])];
  let asked = 0;
  const conv = new JSCallback(
    (messageCount: number, msgs: number, resp: number) => {
      const arr = libc.calloc(messageCount, 16);
      if (!arr) return 5; // PAM_BUF_ERR
      const view = new DataView(toArrayBuffer(arr, 0, messageCount * 16));
      for (let index = 0; index < messageCount; index++) {
        const style = read.i32(read.ptr(msgs, index * 8), 0);
        const answer = style === 1 ? secrets[Math.min(asked++, secrets.length - 1)] : style === 2 ? cString(input.user) : undefined;
        if (answer) view.setBigUint64(index * 16, BigInt(libc.strdup(answer) ?? 0), true);
      }
      new DataView(toArrayBuffer(resp, 0, 8)).setBigUint64(0, BigInt(arr), true);
      return 0;
    },
    { args: ['i32', 'ptr', 'ptr', 'ptr'], returns: 'i32' },
  );
  const convStruct = new BigUint64Array([BigInt(conv.ptr ?? 0), 0n]);
  const handleOut = new BigUint64Array(1);
  const rc0 = input.confdir
    ? pam.pam_start_confdir!(cString(input.service), cString(input.user), convStruct, cString(input.confdir), handleOut)
    : pam.pam_start!(cString(input.service), cString(input.user), convStruct, handleOut);
  if (rc0 !== 0) return out({ rc: rc0, step: 'start' });
  const handle = Number(handleOut[0]);
  const fail = (rc: number, step: PamChildOutput['step']) => {
    const error = new CString(pam.pam_strerror!(handle, rc) as never).toString();
    pam.pam_end!(handle, rc);
    out({ rc, step, error });
  };
  const PAM_SILENT = 0x8000;
  const PAM_DISALLOW_NULL_AUTHTOK = 0x1;
  let rc = pam.pam_authenticate!(handle, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
  if (rc !== 0) return fail(rc, 'authenticate');
  if (input.accountCheck) {
    rc = pam.pam_acct_mgmt!(handle, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
    if (rc !== 0) return fail(rc, 'account');
  }
  pam.pam_end!(handle, 0);
  conv.close();

  const groups: string[] = [];
  const pw = libc.getpwnam(cString(input.user));
  if (pw) {
    const gid = read.u32(pw, 20); // struct passwd: name, passwd, uid (u32), gid (u32)
    const list = new Uint32Array(1024);
    const count = new Int32Array([list.length]);
    if (libc.getgrouplist(cString(input.user), gid, list, count) >= 0) {
      for (const groupId of list.subarray(0, count[0])) {
        const gr = libc.getgrgid(groupId);
        if (gr) groups.push(new CString(read.ptr(gr, 0) as never).toString());
      }
    }
  }
  out({ rc: 0, step: 'done', groups });
}

/** Source text the PAM child runs (`bun -e`); minification keeps it self-contained. */
export const PAM_CHILD_SCRIPT = `(${pamChild.toString()})().catch((e) => { console.log(JSON.stringify({ rc: -1, step: 'start', error: String(e) })); })`;
