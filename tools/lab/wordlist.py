"""Seeded wordlists for the dictionary attacks (imported by plan.py).

A real attacker brings a list of common and default passwords, often
mangled with suffixes; each seed draws its own sample and order from such a
list, so the attempted passwords (and hence the bytes on the wire) differ
between seeds. The device's real password is usually absent, as in most real
attempts; plan.py decides when to plant it.
"""

# Frequent entries of public common-password and IoT default-credential lists.
COMMON = """
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon
123123 baseball abc123 football monkey letmein 696969 shadow master 666666
qwertyuiop 123321 mustang 1234567890 michael 654321 superman 1qaz2wsx 7777777
121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh
hunter buster soccer harley batman andrew tigger sunshine iloveyou 2000
charlie robert thomas hockey ranger daniel starwars klaster 112233 george
computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom
777777 pass maggie 159753 aaaaaa ginger princess joshua cheese amanda summer
love ashley nicole chelsea biteme matthew access yankees 987654321 dallas
austin thunder taylor matrix admin root toor default guest user support
changeme raspberry ubnt 1234qwer admin123 administrator system manager
service camera router iot device private public secret welcome login
passw0rd p@ssw0rd Password1 letmein1 welcome1 admin1 root123 default1
vizxv xc3511 888888 54321 juantech 7ujMko0admin 7ujMko0vizxv hi3518 klv123
klv1234 Zte521 jvbzd anko zlxx. realtek smcadmin ikwb dreambox 00000000
meinsm tech 5up fucker hikvision 12345abc admin@123 Admin1234 ipcam
""".split()

SUFFIXES = ["", "", "", "1", "12", "123", "!", "2023", "2024", "01", "@", "#1"]

USERS = ["admin", "root", "user", "pi", "ubnt", "support", "guest", "operator",
         "test", "service", "iot", "camera", "mqtt", "device", "manager"]


def passwords(rng, n):
    """n distinct passwords: common ones, some with suffixes/capitalisation."""
    out, seen = [], set()
    while len(out) < n:
        w = rng.choice(COMMON) + rng.choice(SUFFIXES)
        if rng.random() < 0.15:
            w = w.capitalize()
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def users(rng, n, must_include=None):
    """n user names; must_include (e.g. the real account) is put at a random place."""
    out = rng.sample(USERS, min(n, len(USERS)))
    if must_include and must_include not in out:
        out[rng.randrange(len(out))] = must_include
    return out


def device_password(rng):
    """A password the device owner would set: not in COMMON, so attacks fail
    unless plan.py plants it in a wordlist on purpose."""
    words = ["river", "copper", "maple", "falcon", "harbor", "meadow", "cobalt", "willow"]
    return rng.choice(words) + rng.choice(["-", "_", "."]) + str(rng.randint(100, 9999)) + rng.choice("XQZKW")
