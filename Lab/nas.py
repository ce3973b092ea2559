"""NASBOX: an SMB server that is not Samba (impacket's, serving SMB1 and SMB2 from a plain folder,
as small NAS appliances and FAT-formatted volumes do): no security descriptors, no alternate
data streams. The password comes from the environment (NAS_PASSWORD), never argv.

Usage: nas.py ADDRESS FOLDER USER   (serves FOLDER as the share NAS on ADDRESS:445)
The tests' hostile server (Tests/CLITests/Hostile/hostile_smb.py) starts from `make_server`.
"""
import os
import sys

from impacket import smbserver
from impacket.ntlm import compute_lmhash, compute_nthash


def make_server(address, folder, user, password, smb2=True):
    """impacket's server on ADDRESS:445 sharing FOLDER as NAS, for USER only (no guests)."""
    server = smbserver.SimpleSMBServer(listenAddress=address, listenPort=445)
    server.addShare("NAS", folder, "a plain folder")
    server.setSMB2Support(smb2)
    server.addCredential(user, 0, compute_lmhash(password), compute_nthash(password))
    server.setSMBChallenge("")
    return server


if __name__ == "__main__":
    address, folder, user = sys.argv[1:4]
    server = make_server(address, folder, user, os.environ["NAS_PASSWORD"])
    server.setLogFile(os.path.join(os.path.dirname(folder.rstrip("/")), "..", "log.txt"))
    server.start()
