"""A scripted hostile SMB1 server for the tests: impacket's server on a plain folder, with one
misbehaviour switched on. The password comes from the environment (HOSTILE_PASSWORD).

Usage: hostile_smb.py ADDRESS FOLDER USER MODE
  find-next-forever  every search says there is more, and FIND_NEXT answers the first batch again
  huge-frame         every connection gets a frame header announcing 16 MiB, then nothing more
"""
import os
import socket
import sys
import time

if sys.argv[4] == "huge-frame":
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((sys.argv[1], 445))
    listener.listen(8)
    held = []
    while True:
        c, _ = listener.accept()
        c.recv(65536)
        c.sendall(b"\x00\xff\xff\xff\xfeSMB")   # 16 MiB announced, 4 bytes sent
        held.append(c)

from impacket import smb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "Lab"))
from nas import make_server  # noqa: E402  (the lab's NASBOX, misbehaving)

address, folder, user, mode = sys.argv[1:5]
server = make_server(address, folder, user, os.environ["HOSTILE_PASSWORD"], smb2=False)
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
else:
    sys.exit("unknown mode " + mode)

server.start()
