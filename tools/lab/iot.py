#!/usr/bin/python3
"""Small IoT protocol speakers for the lab hosts (stdlib only).

usage: iot.py modbus-server ADDR                 Modbus/TCP slave on ADDR:502
       iot.py modbus-poll ADDR PERIOD REGS SECS  a SCADA poller: one connection,
                                                 read holding/input registers
                                                 every ~PERIOD s, a write now
                                                 and then, for SECS seconds
       iot.py responder ADDR NAME NOTIFY         SSDP (udp 1900) and mDNS (udp
                                                 5353) responder; NOTIFY and an
                                                 mDNS announcement every ~NOTIFY s
       iot.py discover ADDR                      one SSDP M-SEARCH and one mDNS
                                                 query, then the answers
       iot.py telnet ADDR USER PASS BADPASS      an interactive telnet login
                                                 (first with BADPASS if given)
       iot.py ftp ADDR USER PASS BADPASS         an interactive FTP session
                                                 (first with BADPASS if given)
       iot.py inetd ADDR PORT CMD...             inetd "nowait": CMD per TCP
                                                 connection, the socket on its
                                                 stdin/stdout (telnetd is built
                                                 to be started so)

Every client gives up after a few seconds of silence; servers run until
killed (the lab's teardown kills everything in its namespaces).
"""
import ftplib
import os
import random
import select
import socket
import struct
import sys
import time

SSDP_GROUP, MDNS_GROUP = "239.255.255.250", "224.0.0.251"


# ---------------------------------------------------------------- Modbus/TCP
def modbus_server(addr):
    regs = [random.randint(0, 65535) for _ in range(256)]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, 502))
    srv.listen(16)
    conns = []
    while True:
        ready, _, _ = select.select([srv] + conns, [], [], 1.0)
        for s in ready:
            if s is srv:
                conns.append(srv.accept()[0])
                continue
            try:
                data = s.recv(260)
            except OSError:
                data = b""
            if len(data) < 8:
                conns.remove(s)
                s.close()
                continue
            tid, _, _, unit, fn = struct.unpack("!HHHBB", data[:8])
            if fn in (3, 4) and len(data) >= 12:
                start, n = struct.unpack("!HH", data[8:12])
                n = min(n, 125)
                body = bytes([fn, 2 * n]) + b"".join(struct.pack("!H", regs[(start + i) % 256]) for i in range(n))
            elif fn == 6 and len(data) >= 12:
                start, value = struct.unpack("!HH", data[8:12])
                regs[start % 256] = value
                body = data[7:12]
            else:   # illegal function
                body = bytes([fn | 0x80, 1])
            for i in range(8):   # the process moves on
                regs[i] = (regs[i] + random.randint(-3, 3)) & 0xFFFF
            s.sendall(struct.pack("!HHHB", tid, 0, len(body) + 1, unit) + body)


def modbus_poll(addr, period, regs, secs):
    end = time.time() + secs
    s = socket.create_connection((addr, 502), timeout=5)
    tid = random.randint(0, 1000)
    while time.time() < end:
        tid = (tid + 1) & 0xFFFF
        if random.random() < 0.1:
            pdu = struct.pack("!BHH", 6, random.randint(0, 15), random.randint(0, 1000))
        else:
            pdu = struct.pack("!BHH", random.choice([3, 3, 4]), random.randint(0, 64), regs)
        s.sendall(struct.pack("!HHHB", tid, 0, len(pdu) + 1, 1) + pdu)
        s.recv(512)
        time.sleep(period * random.uniform(0.5, 1.5))
    s.close()


# ---------------------------------------------------------------- SSDP / mDNS
def dns_name(name):
    return b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0"


def mdns_answer(name, addr):
    """An mDNS response announcing NAME's web UI: PTR, SRV, TXT and A records."""
    inst = "%s._http._tcp.local" % name
    host = "%s.local" % name
    recs = [(dns_name("_http._tcp.local"), 12, 0x0001, dns_name(inst)),
            (dns_name(inst), 33, 0x8001, struct.pack("!HHH", 0, 0, 80) + dns_name(host)),
            (dns_name(inst), 16, 0x8001, b"\x0cmodel=io-ctl\x09fw=2.4.11\x08path=/ui"),
            (dns_name(host), 1, 0x8001, socket.inet_aton(addr))]
    out = struct.pack("!HHHHHH", 0, 0x8400, 0, len(recs), 0, 0)
    for rname, rtype, rclass, rdata in recs:
        out += rname + struct.pack("!HHIH", rtype, rclass, 120, len(rdata)) + rdata
    return out


def ssdp_text(kind, name, addr):
    usn = "uuid:%08x-lab0-4000-8000-%012x::upnp:rootdevice" % (hash(name) & 0xFFFFFFFF, hash(addr) & 0xFFFFFFFFFFFF)
    common = ("CACHE-CONTROL: max-age=1800\r\nLOCATION: http://%s:80/desc.xml\r\nSERVER: Linux/5.10 UPnP/1.0 "
              "io-ctl/2.4\r\nUSN: %s\r\n" % (addr, usn))
    if kind == "notify":
        return ("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n"
                + common + "\r\n").encode()
    return ("HTTP/1.1 200 OK\r\nEXT:\r\nST: upnp:rootdevice\r\nDATE: %s\r\n" %
            time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()) + common + "\r\n").encode()


def multicast_socket(addr, group, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", port))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton(addr))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(addr))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255 if port == 5353 else 4)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    return s


def responder(addr, name, notify):
    ssdp, mdns = multicast_socket(addr, SSDP_GROUP, 1900), multicast_socket(addr, MDNS_GROUP, 5353)
    next_notify = time.time() + random.uniform(1, notify)
    while True:
        ready, _, _ = select.select([ssdp, mdns], [], [], 1.0)
        for s in ready:
            data, peer = s.recvfrom(2048)
            if peer[0] == addr:
                continue
            if s is ssdp and data.startswith(b"M-SEARCH"):
                time.sleep(random.uniform(0.01, 0.3))     # MX: answers spread out
                ssdp.sendto(ssdp_text("reply", name, addr), peer)
            elif s is mdns and len(data) >= 12 and not data[2] & 0x80:   # a query
                mdns.sendto(mdns_answer(name, addr), (MDNS_GROUP, 5353) if peer[1] == 5353 else peer)
        if time.time() >= next_notify:
            ssdp.sendto(ssdp_text("notify", name, addr), (SSDP_GROUP, 1900))
            mdns.sendto(mdns_answer(name, addr), (MDNS_GROUP, 5353))
            next_notify = time.time() + notify * random.uniform(0.5, 1.5)


def discover(addr):
    ssdp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ssdp.bind((addr, 0))
    ssdp.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 4)
    ssdp.sendto(b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 2\r\n'
                b"ST: ssdp:all\r\n\r\n", (SSDP_GROUP, 1900))
    mdns = multicast_socket(addr, MDNS_GROUP, 5353)
    q = struct.pack("!HHHHHH", 0, 0, 1, 0, 0, 0) + dns_name("_http._tcp.local") + struct.pack("!HH", 12, 1)
    mdns.sendto(q, (MDNS_GROUP, 5353))
    end = time.time() + 3
    while time.time() < end:
        ready, _, _ = select.select([ssdp, mdns], [], [], 0.5)
        for s in ready:
            s.recvfrom(2048)


# ---------------------------------------------------------------- interactive sessions
def telnet_session(addr, user, password, bad):
    """Log in by hand: read the prompt, type the name and password (after a
    wrong password first if BAD is given), run a few commands, log out."""
    s = socket.create_connection((addr, 23), timeout=8)

    def until(*words, limit=8.0):
        buf, end = b"", time.time() + limit
        while time.time() < end and not any(w in buf for w in words):
            ready, _, _ = select.select([s], [], [], 0.5)
            if ready:
                chunk = s.recv(1024)
                if not chunk:
                    break
                # refuse every telnet option the server offers (IAC DO/WILL x -> WONT/DONT x)
                i = chunk.find(b"\xff")
                while 0 <= i < len(chunk) - 2:
                    if chunk[i + 1] in (251, 253):
                        s.sendall(bytes([255, 254 if chunk[i + 1] == 251 else 252, chunk[i + 2]]))
                    i = chunk.find(b"\xff", i + 3)
                buf += chunk
        return buf

    def typed(text):
        for ch in text:            # one keystroke per segment, as a person types
            s.sendall(ch.encode())
            time.sleep(random.uniform(0.05, 0.25))
        s.sendall(b"\r\n")

    for pw in ([bad] if bad != "-" else []) + [password]:
        until(b"login:")
        typed(user)
        until(b"assword")
        typed(pw)
        if b"incorrect" not in until(b"$", b"#", b"incorrect", limit=6.0):
            break
    for cmd in random.sample(["uptime", "ls", "cat /proc/loadavg", "df", "ps", "free"], 3):
        typed(cmd)
        until(b"$", b"#", limit=3.0)
        time.sleep(random.uniform(0.5, 3))
    typed("exit")
    s.close()


def ftp_session(addr, user, password, bad):
    f = ftplib.FTP()
    f.connect(addr, 21, timeout=10)
    if bad != "-":
        try:
            f.login(user, bad)
        except ftplib.error_perm:
            time.sleep(random.uniform(1, 4))      # the user notices and types again
    f.login(user, password)
    time.sleep(random.uniform(0.5, 2))
    f.nlst()
    time.sleep(random.uniform(0.5, 2))
    f.retrbinary("RETR config.bin", lambda _: None)
    f.quit()


def inetd(addr, port, cmd):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, int(port)))
    srv.listen(64)
    while True:
        conn, _ = srv.accept()
        if os.fork() == 0:
            srv.close()
            for fd in (0, 1, 2):
                os.dup2(conn.fileno(), fd)
            os.execv(cmd[0], cmd)
        conn.close()
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "inetd":
        inetd(args[0], args[1], args[2:])
    elif cmd == "modbus-server":
        modbus_server(args[0])
    elif cmd == "modbus-poll":
        modbus_poll(args[0], float(args[1]), int(args[2]), float(args[3]))
    elif cmd == "responder":
        responder(args[0], args[1], float(args[2]))
    elif cmd == "discover":
        discover(args[0])
    elif cmd == "telnet":
        telnet_session(*args)
    elif cmd == "ftp":
        ftp_session(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
