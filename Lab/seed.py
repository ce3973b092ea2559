#!/usr/bin/python3
"""Seed the LEGACY lab server with a realistic Windows Server 2003 file-server tree.

Everything is created through SMB1 with smbclient/smbcacls as the lab admin, so the
server itself stores DOS attributes, times and NT ACLs (and applies inheritance) the
way it would for Windows clients. A manifest of what was made is written to
ROOT/legacy/manifest.json for the tests to compare against.
"""
import argparse, hashlib, json, os, random, shutil, subprocess, sys, time, calendar

OLD = "S-1-5-21-1004336348-1177238915-682003330"     # OLDCORP, the retiring domain
PRINCIPALS = {
    "OLDCORP\\Domain Admins": OLD + "-512",
    "OLDCORP\\Domain Users": OLD + "-513",
    "OLDCORP\\Finance-Staff": OLD + "-1105",
    "OLDCORP\\Finance-Managers": OLD + "-1106",
    "OLDCORP\\Project-Leads": OLD + "-1107",
    "OLDCORP\\Engineering": OLD + "-1108",
    "OLDCORP\\jsmith": OLD + "-1110",
    "OLDCORP\\mjones": OLD + "-1111",
    "OLDCORP\\kbrown": OLD + "-1112",
    "OLDCORP\\departed": OLD + "-1199",   # account deleted years ago: maps to nothing
}
P = PRINCIPALS
S = {k.split(chr(92))[1].replace(' ', '-'): v for k, v in PRINCIPALS.items()}
SEED_VERSION = 5
PASSWORD_FILE = "secrets/labadmin.pw"


def ts(y, mo, d, h=9, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))


def smbtime(t):
    return time.strftime("%y:%m:%d-%H:%M:%S", time.gmtime(t))


class Share:
    def __init__(self, root, host, name):
        self.root, self.host, self.name = root, host, name
        self.password = open(os.path.join(root, PASSWORD_FILE)).read().strip()
        self.stage = os.path.join(root, "stage", name)
        shutil.rmtree(self.stage, ignore_errors=True)
        os.makedirs(self.stage)
        self.cmds = []          # smbclient commands, run in one session
        self.entries = {}       # path -> manifest entry
        self.acls = []          # (path, sddl) in creation order

    def _smb(self, args, stdin=None):
        r = subprocess.run(args, input=stdin, capture_output=True, text=True)
        if r.returncode != 0 or "NT_STATUS" in r.stdout + r.stderr:
            bad = [l for l in (r.stdout + r.stderr).splitlines() if "NT_STATUS" in l]
            if bad or r.returncode != 0:
                sys.exit(f"seed: {self.name}: {' '.join(args[:2])}: {bad[:5] or r.stderr[-500:]}")
        return r.stdout

    def flush(self):
        if not self.cmds:
            return
        script = "\n".join(self.cmds) + "\n"
        self.cmds = []
        self._smb(["smbclient", f"//{self.host}/{self.name}", "-U", f"labadmin%{self.password}",
                   "--option=client min protocol=NT1", "--option=client max protocol=NT1"], script)

    def acl(self, path, sddl):
        """Set a descriptor (SDDL with D:AI/D:PAI flags so children inherit) now."""
        self.flush()
        self._smb(["smbcacls", f"//{self.host}/{self.name}", path or "\\", "-U", f"labadmin%{self.password}",
                   "--option=client min protocol=NT1", "--sddl", "--set", sddl])
        self.acls.append((path, sddl))

    def mkdir(self, path, mtime=None):
        self.cmds.append(f'mkdir "{path}"')
        self.entries[path] = {"path": path, "kind": "directory", "size": 0, "attributes": ["D"],
                              "mtime": mtime}

    def put(self, path, size, mtime, ctime=None, attrs=(), rng=None, content=None):
        local = os.path.join(self.stage, "f%06d" % len(self.entries))
        data = content if content is not None else rng.randbytes(size)
        with open(local, "wb") as f:
            f.write(data)
        btime = ctime or mtime
        self.cmds.append(f'put "{local}" "{path}"')
        self.cmds.append(f'utimes "{path}" {smbtime(btime)} {smbtime(mtime)} {smbtime(mtime)} -1')
        self.cmds.append(f'setmode "{path}" -rhsa')
        flags = "".join(a.lower() for a in attrs)
        if flags:
            self.cmds.append(f'setmode "{path}" +{flags}')
        self.entries[path] = {"path": path, "kind": "file", "size": len(data),
                              "sha256": hashlib.sha256(data).hexdigest(),
                              "mtime": mtime, "btime": btime, "attributes": sorted(attrs)}

    def big(self, path, mib, mtime):
        """Large files are made locally with a repeated random block (fast to write, not compressible per block)."""
        local = os.path.join(self.stage, "big%06d" % len(self.entries))
        h = hashlib.sha256()
        block = random.Random(path).randbytes(1 << 20)
        with open(local, "wb") as f:
            for i in range(mib):
                chunk = block[i % 251:] + block[:i % 251]
                f.write(chunk); h.update(chunk)
        self.cmds.append(f'put "{local}" "{path}"')
        self.cmds.append(f'utimes "{path}" {smbtime(mtime)} {smbtime(mtime)} {smbtime(mtime)} -1')
        self.cmds.append(f'setmode "{path}" -rhsa')
        self.cmds.append(f'setmode "{path}" +a')
        self.entries[path] = {"path": path, "kind": "file", "size": mib << 20, "sha256": h.hexdigest(),
                              "mtime": mtime, "btime": mtime, "attributes": ["A"]}

    def finish_dirs(self):
        """Folder times last: creating children moves a folder's write time."""
        for e in sorted(self.entries.values(), key=lambda e: -e["path"].count("\\")):
            if e["kind"] == "directory" and e["mtime"]:
                t = smbtime(e["mtime"])
                self.cmds.append(f'utimes "{e["path"]}" {t} {t} {t} -1')
        self.flush()


def seed_finance(s, rng):
    s.acl("", f"O:BAG:{S['Domain-Users']}D:ARAI(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1f01ff;;;BA)"
              f"(A;OICI;0x1301bf;;;{S['Finance-Staff']})(A;OICI;0x1f01ff;;;{S['Finance-Managers']})")
    s.mkdir("Reports", ts(2004, 1, 5))
    for year in range(2004, 2013):
        d = f"Reports\\{year}"
        s.mkdir(d, ts(year, 12, 31, 17))
        for q in range(1, 5):
            s.put(f"{d}\\Q{q} {year} results.xls", rng.randint(20_000, 90_000),
                  ts(year, q * 3, 28, 16, 30), ts(year, q * 3, 1, 8), ["A"], rng)
    s.mkdir("Payroll", ts(2006, 3, 1))
    s.flush()
    # Inheritance disabled, owned by a group: the classic sensitive folder.
    s.acl("Payroll", f"O:{S['Finance-Managers']}G:{S['Domain-Users']}D:PARAI(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1f01ff;;;BA)"
                     f"(A;OICI;0x1f01ff;;;{S['Finance-Managers']})")
    # Audit failed access by anyone: the SACL a compliance officer set in 2006.
    set_sacl(s.root, s.host, s.name, "Payroll", "S:(AU;CIOIFA;0x1f01ff;;;WD)")
    s.sacls = [("Payroll", "S:(AU;CIOIFA;0x1f01ff;;;WD)")]
    for m in range(1, 13):
        s.put(f"Payroll\\Payroll 2011-{m:02d}.xls", rng.randint(40_000, 60_000), ts(2011, m, 25, 11), None, ["A"], rng)
    s.put("Budget 2011.xls", 123_456, ts(2010, 11, 30, 18), ts(2010, 9, 1), ["R", "A"], rng)
    s.put("desktop.ini", 82, ts(2004, 1, 5), None, ["H", "S"], content=b"[.ShellClassInfo]\r\nIconResource=C:\\WINDOWS\\system32\\SHELL32.dll,3\r\n\r\n")
    s.put("~$Forecast.doc", 162, ts(2012, 6, 1, 10), None, ["H", "A"], rng)
    s.put("Prévisions Q3 – €uro.xls", 31_337, ts(2008, 7, 14), None, ["A"], rng)
    s.mkdir("Überweisungen", ts(2007, 5, 5))
    s.put("Überweisungen\\報告書 2007.doc", 20_480, ts(2007, 5, 5, 14), None, ["A"], rng)
    s.put("Überweisungen\\Ærø Kontoauszug.pdf", 77_000, ts(2007, 5, 6), None, ["A"], rng)
    s.finish_dirs()


def seed_projects(s, rng, small, big_mib):
    s.acl("", f"O:BAG:SYD:ARAI(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1f01ff;;;BA)(A;OICI;0x1200a9;;;{S['Domain-Users']})"
              f"(A;OICI;0x1301bf;;;{S['Engineering']})")
    names = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa"]
    per_project = small // len(names)
    for i, p in enumerate(names):
        s.mkdir(p, ts(2005 + i % 7, 1 + i, 10))
        if p == "Alpha":
            s.flush()
            s.acl(p, f"O:{S['jsmith']}G:{S['Domain-Users']}D:ARAI(A;OICI;0x1f01ff;;;{S['Project-Leads']})"
                     f"(A;OICI;0x1301bf;;;{S['jsmith']})")
        if p == "Beta":
            s.flush()
            s.acl(p, f"D:ARAI(A;OICI;0x1301bf;;;{S['departed']})(D;OICI;WD;;;{S['mjones']})")
        for d in range(per_project // 30 + 1):
            sub = f"{p}\\Work {d:02d}"
            s.mkdir(sub, ts(2005 + (i + d) % 8, 1 + d % 12, 1 + d % 28))
            for f in range(min(30, per_project - d * 30)):
                attrs = ["A"] if f % 7 else ["R", "A"]
                s.put(f"{sub}\\doc-{f:03d}.txt", rng.randint(1024, 16 * 1024),
                      ts(2004 + (i + d + f) % 9, 1 + f % 12, 1 + (d + f) % 28, 8 + f % 10, f % 60, (f * 7) % 60),
                      None, attrs, rng)
    # A path longer than 260 characters (MAX_PATH) once the server name is prepended.
    deep = "Alpha"
    for k in range(6):
        deep += "\\" + f"Very long folder name for the archive level {k} of this project tree"
        s.mkdir(deep, ts(2009, 2, 2))
    s.put(deep + "\\final specification document.txt", 4096, ts(2009, 2, 3), None, ["A"], rng)
    s.mkdir("Media", ts(2010, 1, 1))
    for n, mib in enumerate(big_mib):
        s.big(f"Media\\video-{n}.avi", mib, ts(2010, 1 + n, 15))
    s.finish_dirs()


def seed_users(s, rng, migrator_sid):
    s.acl("", f"O:BAG:SYD:ARAI(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1f01ff;;;BA)(A;;0x1200a9;;;{S['Domain-Users']})"
              f"(A;OICI;0x1200a9;;;{migrator_sid})")
    for u in ["jsmith", "mjones", "kbrown"]:
        s.mkdir(u, ts(2006, 4, 1))
        s.flush()
        extra = f"(A;OICI;0x1200a9;;;{migrator_sid})" if u != "kbrown" else ""
        # "Grant the user exclusive rights": inheritance off, owner is the user.
        s.acl(u, f"O:{S[u]}G:{S['Domain-Users']}D:PARAI(A;OICI;0x1f01ff;;;SY)"
                 f"(A;OICI;0x1f01ff;;;{S[u]}){extra}")
        for f in range(5):
            s.put(f"{u}\\notes-{f}.txt", rng.randint(100, 5000), ts(2008 + f, 3, 3), None, ["A"], rng)
    s.finish_dirs()


def set_sacl(root, host, share, path, sddl):
    """smbcacls cannot set a SACL; Samba's Python bindings can (needs SeSecurityPrivilege)."""
    from samba.samba3 import libsmb_samba_internal as libsmb
    from samba.samba3 import param as s3param
    from samba import credentials
    from samba.dcerpc import security
    lp = s3param.get_context()
    lp.load("/dev/null")
    lp.set("client min protocol", "NT1")
    creds = credentials.Credentials()
    creds.guess(lp)
    creds.set_username("labadmin")
    creds.set_password(open(os.path.join(root, PASSWORD_FILE)).read().strip())
    conn = libsmb.Conn(host, share, lp, creds, force_smb1=True)
    # Samba wants WRITE_DAC besides ACCESS_SYSTEM_SECURITY to set a SACL.
    fnum = conn.create(path, DesiredAccess=security.SEC_FLAG_SYSTEM_SECURITY | security.SEC_STD_READ_CONTROL | security.SEC_STD_WRITE_DAC,
                       ShareAccess=7, CreateDisposition=1)
    conn.set_sd(fnum, security.descriptor.from_sddl(sddl, security.dom_sid(OLD)), security.SECINFO_SACL)
    conn.close(fnum)


def fix_create_times(root, share, entries):
    """Samba's SMB1 server ignores the create time smbclient's utimes sends, so the seed writes
    it where Samba keeps it (the user.DOSATTRIB xattr), as a restore from backup would."""
    from samba.dcerpc import xattr
    from samba.ndr import ndr_pack, ndr_unpack
    base = os.path.join(root, "legacy", "share", share)
    for e in entries.values():
        btime = e.get("btime") or e.get("mtime")
        if not btime:
            continue
        e["btime"] = btime
        p = os.path.join(base, *e["path"].split("\\"))
        d = ndr_unpack(xattr.DOSATTRIB, os.getxattr(p, "user.DOSATTRIB"))
        d.info.create_time = (btime + 11644473600) * 10_000_000
        d.info.valid_flags |= 0x10   # XATTR_DOSINFO_CREATE_TIME
        os.setxattr(p, "user.DOSATTRIB", ndr_pack(d))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--small", type=int, default=int(os.environ.get("MIGRATE_LAB_SMALL", "3000")))
    args = ap.parse_args()
    manifest_path = os.path.join(args.root, "legacy", "manifest.json")
    if not args.force and os.path.exists(manifest_path):
        if json.load(open(manifest_path)).get("version") == SEED_VERSION:
            print("seed: LEGACY already seeded", file=sys.stderr)
            return
    conf = os.path.join(args.root, "legacy", "smb.conf")
    out = subprocess.run(["pdbedit", "-s", conf, "-L", "-v", "migrator"], capture_output=True, text=True).stdout
    migrator_sid = next(l.split()[-1] for l in out.splitlines() if l.startswith("User SID"))
    shares = {}
    for name in ["Finance", "Projects", "Users"]:
        path = os.path.join(args.root, "legacy", "share", name)
        for child in os.listdir(path):
            p = os.path.join(path, child)
            shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)
        shares[name] = Share(args.root, args.host, name)
    rng = random.Random(2003)
    started = time.time()
    seed_finance(shares["Finance"], rng)
    seed_projects(shares["Projects"], rng, args.small, [64, 32, 32])
    seed_users(shares["Users"], rng, migrator_sid)
    for name, s in shares.items():
        fix_create_times(args.root, name, s.entries)
    manifest = {"version": SEED_VERSION, "principals": PRINCIPALS, "migrator_sid": migrator_sid,
                "shares": {n: {"entries": sorted(s.entries.values(), key=lambda e: e["path"]),
                               "acls": [{"path": p, "sddl": a} for p, a in s.acls],
                               "sacls": [{"path": p, "sddl": a} for p, a in getattr(s, "sacls", [])]}
                           for n, s in shares.items()}}
    shutil.rmtree(os.path.join(args.root, "stage"), ignore_errors=True)
    with open(manifest_path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
    os.replace(manifest_path + ".tmp", manifest_path)
    n = sum(len(s.entries) for s in shares.values())
    print(f"seed: LEGACY seeded with {n} entries in {time.time() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
