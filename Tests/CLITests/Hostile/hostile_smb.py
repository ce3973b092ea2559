"""A scripted hostile SMB1 server for the tests: impacket's server on a plain folder, with one
misbehaviour switched on. The password comes from the environment (HOSTILE_PASSWORD).

Usage: hostile_smb.py ADDRESS FOLDER USER MODE
  find-next-forever  every search says there is more, and FIND_NEXT answers the first batch again
  huge-frame         every connection gets a frame header announcing 16 MiB, then nothing more
  silent             every connection is accepted and read, and never answered
  huge-target-info   the NTLM challenge carries 65,000 bytes of target information
  nt-transact-4gib   a descriptor query's NT_TRANSACT reply announces 4 GiB of data
  plain              no misbehaviour (the control of the cases below)
  odd-unknown-accounts  a logon the server refuses fails with "insufficient resources", not
                     "logon failure": whether it admits unknown accounts cannot be told
  names              every listing also holds entries whose names cannot exist on a target:
                     ../../escape-dir, ..., an empty name, a\\b, c:d, a NUL
  long-name          SMB2 only (SMB1 refused): the share's listing holds a folder whose name is
                     40,000 UTF-16 units long
"""
import os
import socket
import sys
import time

if sys.argv[4] in ("huge-frame", "silent"):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((sys.argv[1], 445))
    listener.listen(8)
    held = []
    while True:
        c, _ = listener.accept()
        c.recv(65536)
        if sys.argv[4] == "huge-frame":
            c.sendall(b"\x00\xff\xff\xff\xfeSMB")   # 16 MiB announced, 4 bytes sent
        held.append(c)

import struct

from impacket import ntlm, smb, smb3structs, smbserver

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "Lab"))
from nas import make_server  # noqa: E402  (the lab's NASBOX, misbehaving)

address, folder, user, mode = sys.argv[1:5]
server = make_server(address, folder, user, os.environ["HOSTILE_PASSWORD"], smb2=(mode == "long-name"))
core = server._SimpleSMBServer__server

if mode == "find-next-forever":
    batches = {}

    def first(connId, smbServer, recvPacket, parameters, data, maxDataCount):
        setup, params, out, status = original_first(connId, smbServer, recvPacket, parameters, data, maxDataCount)
        if status == 0 and params:
            params["SID"] = 7
            params["EndOfSearch"] = 0
            batches[connId] = (params["SearchCount"], out)
        return setup, params, out, status

    def next_(connId, smbServer, recvPacket, parameters, data, maxDataCount):
        count, out = batches.get(connId, (0, b""))
        params = smb.SMBFindNext2Response_Parameters()
        params["SearchCount"] = count
        params["EndOfSearch"] = 0
        return b"", params, out, 0

    original_first = core.hookTransaction2(smb.SMB.TRANS2_FIND_FIRST2, first)
    core.hookTransaction2(smb.SMB.TRANS2_FIND_NEXT2, next_)
elif mode == "plain":
    pass
elif mode == "odd-unknown-accounts":
    def setup(connId, smbServer, SMBCommand, recvPacket):
        commands, packets, status = original_setup(connId, smbServer, SMBCommand, recvPacket)
        return commands, packets, 0xC000009A if status == 0xC000006D else status

    original_setup = core.hookSmbCommand(smb.SMB.SMB_COM_SESSION_SETUP_ANDX, setup)
elif mode == "names":
    hostile = [("../../escape-dir", 0x10), ("...", 0x10), ("", 0x10), ("a\\b.txt", 0x20), ("c:d.txt", 0x20), ("nul\x00.txt", 0x20)]

    def record(name, attributes, last):
        raw = name.encode("utf-16le")
        r = struct.pack("<LL4QQQLLLBB24s", 0, 0, 0, 0, 0, 0, 0, 0, attributes, len(raw), 0, 0, 0, b"") + raw
        r += b"\x00" * ((8 - len(r) % 8) % 8)
        return struct.pack("<L", 0 if last else len(r)) + r[4:]

    def with_names(connId, smbServer, recvPacket, parameters, data, maxDataCount):
        setup, params, out, status = original_first(connId, smbServer, recvPacket, parameters, data, maxDataCount)
        if status == 0 and params:
            extra = b"".join(record(n, a, False) for n, a in hostile)
            params["SearchCount"] += len(hostile)
            out = extra + out
        return setup, params, out, status

    original_first = core.hookTransaction2(smb.SMB.TRANS2_FIND_FIRST2, with_names)
elif mode == "huge-target-info":
    plain_init = ntlm.AV_PAIRS.__init__

    def padded_init(self, data=None):
        plain_init(self, data)
        if data is None:
            self[0x7777] = b"\xaa" * 65_000   # an unknown pair: 65,000 bytes of target information

    ntlm.AV_PAIRS.__init__ = padded_init
elif mode == "nt-transact-4gib":
    plain_set = smb.SMBNTTransactionResponse_Parameters.__setitem__

    def announce(self, key, value):
        plain_set(self, key, 0xFFFF_FFF0 if key == "TotalDataCount" else value)

    def security_descriptor(connId, smbServer, recvPacket, parameters, data, maxDataCount):
        return b"", struct.pack("<L", 64), b"\x01" + b"\x00" * 63, 0

    def renamed(self, key, value):   # impacket's NT_TRANSACT replies name their fields wrongly
        plain_data_set(self, {"NT_Trans_Parameters": "Trans_Parameters", "NT_Trans_Data": "Trans_Data"}.get(key, key), value)

    plain_data_set = smb.SMBNTTransactionResponse_Data.__setitem__
    smb.SMBNTTransactionResponse_Parameters.__setitem__ = announce
    smb.SMBNTTransactionResponse_Data.__setitem__ = renamed
    core.hookNTTransaction(6, security_descriptor)   # NT_TRANSACT_QUERY_SECURITY_DESC
elif mode == "long-name":
    def no_smb1(connId, smbServer, SMBCommand, recvPacket):
        raise Exception("SMB1 refused")   # impacket drops the connection

    def directory(connId, smbServer, recvPacket):
        responses, files, status = original_directory(connId, smbServer, recvPacket)
        request = smb3structs.SMB2QueryDirectory(recvPacket["Data"])
        r = responses[0]
        if status == 0 and request["FileInformationClass"] == 3 and r["OutputBufferLength"] > 0:
            name = "L".encode("utf-16le") * 40_000
            record = struct.pack("<LL4QQQLLLBB24s", 0, 0, 0, 0, 0, 0, 0, 0, 0x10, len(name), 0, 0, 0, b"") + name
            record += b"\x00" * ((8 - len(record) % 8) % 8)
            record = struct.pack("<L", len(record)) + record[4:]
            r["Buffer"] = record + r["Buffer"]
            r["OutputBufferLength"] = len(r["Buffer"])
        return responses, files, status

    # impacket answers SMB 2.0.2 whatever is offered and signs compound replies wrongly: here it
    # says 2.1 and does not sign, so the listing reaches the client's parser.
    smbserver.smb2.SMB2_DIALECT_002 = 0x0210
    core.signSMBv2 = lambda packet, key: None
    core.hookSmbCommand(smb.SMB.SMB_COM_NEGOTIATE, no_smb1)
    original_directory = core.hookSmb2Command(smb3structs.SMB2_QUERY_DIRECTORY, directory)
else:
    sys.exit("unknown mode " + mode)

server.start()
