"""Command lines and config lines whose arguments are secrets: one vocabulary.

Most command-line credentials are caught by their flag's *name*: a long flag
whose name is sensitive (``--password v``, ``--http-password=v``, ``--api-token v``,
``--client-secret v``) goes through the sensitive-name vocabulary of
:mod:`redact.keynames` like any other name. What a name cannot tell is a flag
whose meaning depends on the program: ``-p`` is a password for ``mysql`` and
``docker login`` but a port for ``docker run``; ``-P`` is the password of
``sqlcmd``, ``-w`` of ``ldapsearch``, ``-storepass`` of ``keytool``. Those live
in :data:`COMMANDS`, one entry per program family:

* ``flags``: flags whose argument is the secret (``-P v``; a one-letter flag
  of a getopt-style program also clusters and glues: ``-xw v``, ``-pv``);
* ``user_flags``: flags whose argument is ``user<sep>password`` (``curl -u
  user:pw``, ``smbclient -U user%pw``, ``lftp -u user,pw``);
* ``prefixed``: flags whose argument names its source (``openssl -passin
  pass:v``); only the ``pass:`` source is a secret (``env:X``, ``file:p`` are not);
* ``positional``: the index of a positional argument that is the secret
  (``vault login v``, ``htpasswd -b file user v`` -- only with ``when`` given);
* ``setter``: ``NAME VALUE`` arguments, the value secret when the name is
  (``git config --global github.token v``, ``CONFIG SET requirepass v``);
* ``connect``: Oracle ``user/password@db`` arguments (``sqlplus bob/v@db``).

* ``stdin``: words that make the program read its secret from stdin (``docker login
  --password-stdin``, ``gh auth login --with-token``, ``vault login -``): the word of a
  here-string (``<<< v``) or the literal fed by ``echo v |`` / ``printf '%s' v |`` is the secret;
* ``prints``: the program prints a secret (``heroku auth:token``, ``gh auth token``): in a
  transcript, the one-word line that follows it is the secret.

``sub`` names the subcommand a flag needs (``docker login -p``, ``az login -p``).
A command's arguments run to the end of its line, a shell separator
(``|``, ``;``, ``&&``), the next command of the table, or the closing quote of a
string the command sits in. Positional secrets need the program in command
position (line start, after a prompt, ``sudo``, ``|``, ``$(`` or ``: ``), so
that prose (``the vault login failed``) is not read as a command.

CI runners' workflow commands register secrets in the log itself: GitHub Actions
``::add-mask::v``, Azure Pipelines ``##vso[task.setsecret]v`` and ``##vso[task.setvariable
variable=x;issecret=true]v``; a workflow command whose name is sensitive
(``::set-output name=token::v``, ``##vso[task.setvariable variable=password]v``) too.

Config lines without an ``=``: Redis (``AUTH [user] v``, ``requirepass v``,
``masterauth v``, ``ACL SETUSER bob on >v``), the other :data:`DIRECTIVES`
(``rootpw --plaintext v``, ``bindpw v``, ``rocommunity v``), netrc (``machine h login me
password v``, one line or a block) and ``.pgpass`` (``host:port:db:user:v``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

__all__ = [
    "COMMANDS",
    "Command",
    "argv_literal_spans",
    "argv_text",
    "command_keywords",
    "command_spans",
    "config_line_spans",
    "looks_like_command",
    "runner_secret_command",
]

Span = tuple[int, int]


@dataclass(frozen=True)
class Command:
    """One program family and where its secret arguments are (see the module doc)."""

    names: tuple[str, ...]
    sub: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    user_flags: tuple[str, ...] = ()
    user_sep: str = ":"
    prefixed: tuple[str, ...] = ()
    positional: int | None = None
    when: str = ""
    #: Positional index to use instead of ``positional`` when this short flag is given.
    when_index: tuple[str, int] | None = None
    setter: bool = False
    #: A secret positional chosen by the first positional's prefix (``pypi-token.x v``).
    by_name: tuple[tuple[str, int], ...] = ()
    #: ``name=value`` positionals are parameters, not the secret (``vault login -method=x u=y``).
    pairs: bool = False
    connect: bool = False
    #: getopt-style short flags: clusters (``-xw``) and glued arguments (``-pv``).
    getopt: bool = True
    #: Options end at the first positional (``sshpass -p v ssh -p 22``: ssh's own flags follow).
    options_first: bool = False
    #: Words that make the program read the secret from stdin (``--password-stdin``, ``-``):
    #: the word of a here-string (``<<< v``) or of the ``echo v |`` that feeds it is the secret.
    stdin: tuple[str, ...] = ()
    #: The program prints a secret: in a transcript, the one-word line after it is the secret.
    prints: bool = False
    #: What it reads on stdin is ``user:password`` (``chpasswd``): the user stays readable.
    stdin_user: bool = False


#: ``Command.stdin`` of a program that reads its secret on stdin whatever its arguments.
STDIN_ALWAYS: tuple[str, ...] = ("<stdin>",)

_MYSQL = (
    "mysql",
    "mysqldump",
    "mysqladmin",
    "mysqlsh",
    "mysqlimport",
    "mysqlcheck",
    "mysqlshow",
    "mysqlslap",
    "mysqlpump",
    "mysqlbinlog",
    "mariadb",
    "mariadb-dump",
    "mariadb-admin",
    "mariadb-import",
    "mariadb-check",
)
_MONGO = (
    "mongo",
    "mongosh",
    "mongodump",
    "mongorestore",
    "mongoexport",
    "mongoimport",
    "mongostat",
    "mongotop",
    "mongofiles",
)
_LDAP = (
    "ldapsearch",
    "ldapmodify",
    "ldapadd",
    "ldapdelete",
    "ldapwhoami",
    "ldapcompare",
    "ldapmodrdn",
    "ldapexop",
    "ldapurl",
)
_REGISTRY_LOGIN = ("docker", "podman", "buildah", "skopeo", "nerdctl", "oras", "finch")

#: Package managers' per-repository credentials: ``http-basic.<repo> user pw``, ``pypi-token.<repo>
#: token`` (poetry), ``github-oauth.<host> token``, ``gitlab-token.<host> token`` (composer).
_REPO_AUTH = (
    ("http-basic.", 2),
    ("pypi-token.", 1),
    ("github-oauth.", 1),
    ("gitlab-token.", 1),
    ("gitlab-oauth.", 1),
    ("bitbucket-oauth.", 2),
    ("bearer.", 1),
)

#: command -> the arguments that are secrets. Keep it sorted by family; every entry has a
#: row in tests/core/test_commands.py and docs/what-is-masked.md.
COMMANDS: tuple[Command, ...] = (
    # databases
    Command(_MYSQL, flags=("-p",)),
    Command(_MONGO, flags=("-p",)),
    Command(("sqlcmd", "bcp", "osql", "isql", "mssql-cli", "sqsh"), flags=("-P",)),
    Command(("cqlsh", "cypher-shell", "influx", "clickhouse-client"), flags=("-p", "-password")),
    Command(
        ("sqlplus", "rman", "expdp", "impdp", "exp", "imp", "sqlldr", "dgmgrl", "tkprof"),
        connect=True,
    ),
    Command(("connect",), connect=True, getopt=False),
    Command(("redis-cli", "keydb-cli", "valkey-cli"), flags=("-a", "--pass")),
    Command(("config",), sub=("set",), setter=True),  # Redis CONFIG SET requirepass v
    Command(("rabbitmqctl",), sub=("add_user",), positional=1),
    Command(("rabbitmqctl",), sub=("change_password",), positional=1),
    # registries, clouds, vaults
    Command(_REGISTRY_LOGIN, sub=("login",), flags=("-p",), stdin=("--password-stdin",)),
    Command(("helm",), sub=("registry", "login"), flags=("-p",), stdin=("--password-stdin",)),
    Command(("crane",), sub=("auth", "login"), flags=("-p",), stdin=("--password-stdin",)),
    Command(("gh",), sub=("auth", "login"), stdin=("--with-token",)),
    # secret stores set from the command line: the value flag, or stdin
    Command(("doctl",), sub=("auth", "init"), flags=("-t", "--access-token")),
    Command(("az",), sub=("keyvault", "secret", "set"), flags=("--value",)),
    Command(("gcloud",), sub=("secrets", "create"), stdin=("--data-file=-",)),
    Command(("gcloud",), sub=("secrets", "versions", "add"), stdin=("--data-file=-",)),
    Command(("keyring",), sub=("set",), stdin=("set",)),  # keyring set svc user: always stdin
    Command(("glab",), sub=("auth", "login"), stdin=("--stdin",)),
    Command(("gh", "glab"), sub=("auth", "token"), prints=True),
    Command(("heroku",), sub=("auth:token",), prints=True),
    Command(("aws",), sub=("ecr", "get-login-password"), prints=True),
    Command(("gcloud",), sub=("auth", "print-access-token"), prints=True),
    Command(("gcloud",), sub=("auth", "print-identity-token"), prints=True),
    Command(("az",), sub=("login",), flags=("-p",)),
    Command(("cf", "oc"), sub=("login",), flags=("-p",)),
    Command(("cf",), sub=("auth",), positional=1),
    Command(("vault", "bao"), sub=("login",), positional=0, pairs=True, stdin=("-",)),
    Command(("vault", "bao"), sub=("print", "token"), prints=True),
    Command(("twine",), sub=("upload",), flags=("-p",)),
    Command(("mc",), sub=("alias", "set"), positional=3),
    Command(("mc",), sub=("config", "host", "add"), positional=3),
    # settings stores: NAME VALUE
    Command(("git",), sub=("config",), setter=True),
    Command(("npm", "pnpm", "yarn"), sub=("config", "set"), setter=True),
    Command(("aws",), sub=("configure", "set"), setter=True),
    Command(("gcloud",), sub=("config", "set"), setter=True),
    Command(("poetry",), sub=("config",), setter=True, by_name=_REPO_AUTH),
    Command(("composer",), sub=("config",), setter=True, by_name=_REPO_AUTH),
    Command(("dotnet",), sub=("user-secrets", "set"), setter=True),
    # keys and certificates
    Command(
        ("keytool", "jarsigner"),
        flags=(
            "-storepass",
            "-keypass",
            "-srcstorepass",
            "-deststorepass",
            "-srckeypass",
            "-destkeypass",
            "-new",
        ),
        getopt=False,
    ),
    Command(
        ("openssl",),
        flags=("-k",),
        prefixed=("-pass", "-passin", "-passout", "-password", "-kfile"),
        getopt=False,
    ),
    Command(("ssh-keygen",), flags=("-N", "-P")),
    Command(("htpasswd",), positional=2, when="b", when_index=("n", 1)),
    Command(("mosquitto_passwd",), positional=2, when="b"),
    Command(("zip", "unzip"), flags=("-P",)),
    Command(("7z", "7za", "7zr", "rar", "unrar"), flags=("-p",)),
    # remote shells and file shares
    Command(("sshpass",), flags=("-p",), options_first=True),
    Command(("plink", "pscp", "psftp"), flags=("-pw",), getopt=False),
    Command(("psexec", "paexec", "evil-winrm", "rdesktop", "hydra"), flags=("-p",)),
    Command(("crackmapexec", "nxc", "netexec", "smbmap"), flags=("-p",)),
    Command(("xfreerdp", "wfreerdp", "sdl-freerdp"), flags=("/p:", "/password:"), getopt=False),
    Command(
        ("smbclient", "rpcclient", "smbcacls", "smbget"),
        user_flags=("-U", "--user"),
        user_sep="%",
    ),
    Command(("net",), sub=("use",), positional=1, getopt=False),
    Command(("net",), sub=("user",), positional=1, getopt=False),
    Command(_LDAP, flags=("-w",)),
    Command(("ldappasswd",), flags=("-w", "-a", "-s")),
    Command(("ipmitool",), flags=("-P",)),
    Command(("snmpwalk", "snmpget", "snmpset", "snmpbulkwalk", "snmptrap"), flags=("-A", "-X")),
    Command(("mosquitto_pub", "mosquitto_sub", "mosquitto_rr"), flags=("-P",)),
    Command(("useradd", "usermod"), flags=("-p",)),
    Command(("ncftp", "ncftpget", "ncftpput"), flags=("-p",)),
    Command(("p4",), flags=("-P",)),
    # HTTP clients
    Command(
        ("curl",),
        user_flags=("-u", "-U", "--user", "--proxy-user"),
        flags=("--oauth2-bearer", "--pass"),
    ),
    Command(("lftp",), user_flags=("-u",), user_sep=","),
    # Programs that always read user:password lines on stdin (echo 'bob:v' | chpasswd).
    Command(("chpasswd", "chgpasswd"), stdin=STDIN_ALWAYS, stdin_user=True),
    # more secrets fed on stdin or printed (red team): echo v | gh secret set NAME,
    # echo v | passwd --stdin bob, security find-generic-password -w (prints the password)
    Command(("gh",), sub=("secret", "set"), stdin=STDIN_ALWAYS),
    Command(("passwd",), stdin=("--stdin",)),
    Command(("security",), sub=("find-generic-password",), prints=True),
    Command(("security",), sub=("find-internet-password",), prints=True),
    Command(("schtasks",), flags=("/RP", "/P"), getopt=False),
    # CLIs whose secret is an argument (red team): gh secret set NAME --body v, macOS
    # keychain -w v, vault operator unseal v, cargo login v, nmcli ... password v, ...
    Command(("gh",), sub=("secret", "set"), flags=("-b", "--body")),
    Command(("security",), sub=("add-generic-password",), flags=("-w",)),
    Command(("security",), sub=("add-internet-password",), flags=("-w",)),
    Command(("vault", "bao"), sub=("operator", "unseal"), positional=0, stdin=("-",)),
    Command(("influx",), sub=("auth", "create"), flags=("-t", "--token")),
    Command(("influx",), sub=("setup",), flags=("-p", "--password", "-t", "--token")),
    Command(("ansible-vault",), sub=("encrypt_string",), positional=0, stdin=("--stdin-name",)),
    Command(("cargo",), sub=("login",), positional=0, stdin=("-",)),
    Command(("npm",), sub=("token", "create"), prints=True),
    Command(("nmcli",), sub=("dev", "wifi", "connect"), positional=2),  # SSID password v
    Command(("nmcli",), sub=("device", "wifi", "connect"), positional=2),
    Command(("wpa_passphrase",), positional=1),
    Command(("mc",), sub=("admin", "user", "add"), positional=2),
    Command(("jenkins-cli", "jenkins-cli.jar"), user_flags=("-auth",)),
    Command(("consul",), sub=("acl", "token", "create"), flags=("-secret",), getopt=False),
    Command(("consul",), sub=("acl", "token", "update"), flags=("-secret",), getopt=False),
)


#: Program names that are also common words: their keyword carries the following space.
_COMMON_WORDS = frozenset({"connect", "influx", "hydra"})


def command_keywords() -> tuple[str, ...]:
    """Lower-case prefilter keywords: :func:`program_keywords` and :func:`config_keywords`."""
    return tuple(sorted({*program_keywords(), *config_keywords()}))


def config_keywords() -> tuple[str, ...]:
    """Keywords of the config lines :func:`config_line_spans` reads (Redis, netrc, .pgpass)."""
    return (
        "auth ",
        '"auth"',
        *_DIRECTIVE_WORDS,
        "setuser",
        "machine ",
        "jdbc:oracle:",
        "<<<",
        "key-string",
        "-server key",
        "-server host",
        "community ",
        "isakmp key",
        "authentication-key",
        "pre-shared-key",
        *_PGPASS_KEYWORDS,
        *_RUNNER_KEYWORDS,
    )


def program_keywords() -> tuple[str, ...]:
    """Each program name of :data:`COMMANDS` (with its first subcommand word), lower case.

    Short names (``az``, ``exp``, ``net``) are followed by a space (or the closing quote
    of a list item: ``['curl', ...]``), so that words that merely contain them
    (``export``, ``network``) do not wake the detector. A keyword starts where its
    program's name starts.
    """
    out: set[str] = set()
    for cmd in COMMANDS:
        for name in cmd.names:
            low = name.lower()
            if cmd.sub:
                # ... also as an argument vector's list literal: ['docker', 'login', ...]
                out.update(f"{low}{sep}{cmd.sub[0]}" for sep in _ITEM_SEPARATORS)
                out.add(f"{low}.exe {cmd.sub[0]}")  # C:\Windows\System32\net.exe user
            elif len(name) < 5 or name in _COMMON_WORDS:
                out.update((f"{low} ", f"{low}'", f'{low}"'))
            else:
                out.add(low)
    return tuple(sorted(out))


#: How a program and its subcommand are separated: a command line, a repr() or JSON list.
_ITEM_SEPARATORS = (" ", "', '", '", "', '","')


def _trie(words: list[str]) -> str:
    """A regex alternation of ``words`` factored by common prefixes (one branch per letter)."""
    tree: dict[str, Any] = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + render(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return render(tree)


_BY_NAME: dict[str, list[Command]] = {}
for _cmd in COMMANDS:
    for _name in _cmd.names:
        _BY_NAME.setdefault(_name.lower(), []).append(_cmd)

#: A program of the table: a word (a path or ``.exe`` around it allowed), not part of a name.
_PROGRAM = re.compile(
    r"(?i)(?<![\w.\-~])(?P<name>" + _trie(sorted(_BY_NAME)) + r")(?:\.exe)?(?![\w.\-])(?!=)"
)
#: One shell word: unquoted runs and closed quoted strings (an unclosed quote ends it).
_WORD = re.compile(r"""(?:[^ \t\r\n\f\v"'`]++|"(?:[^"\\\r\n]|\\.)*+"|'[^'\r\n]*+')++""")
_EOL = re.compile(r"[\r\n]|\\r\\n|\\n")
_SEPARATORS = frozenset({"|", "||", "&&", ";", "&", "|&", ">", ">>", "2>", "<"})
#: What may stand before a program in command position (``$ ``, ``sudo ``, ``K=v ``, a log
#: line's timestamp and level as CI runners and shell audit logs write them, ...), and the
#: program's directory (``/usr/bin/net``, ``C:\Tools\7z.exe``, ``./bin/``).
_LEAD = re.compile(
    r"""(?x)
    (?:^|[|;&(`{]|\$\(|["']|:[ \t]|[$#>%+][ \t]|\]\s
      | ^[ \t]*\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?\]?
        (?:[ \t]+(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR))?[ \t])
    (?:[ \t]*(?:sudo(?:[ \t]+-\S+)*|exec|time|nohup|env|command|then|do|else|RUN|xargs
        |[A-Za-z_][A-Za-z0-9_]*=\S*))*
    [ \t]*(?:(?:[A-Za-z]:|~|\.{1,2})?(?:[\\/][\w.\-]+)*[\\/])?$
    """
)


def _command_position(text: str, line_lo: int, at: int) -> bool:
    """Whether the program at ``at`` starts a command (not a word in prose)."""
    start = max(line_lo, at - 256)
    # The segment from the line's start, so that ``^`` in _LEAD means the line's start (a
    # search with pos= keeps ``^`` at the text's start: a second line was never a command).
    seg = text[start:at] if start == line_lo else "\x00" + text[start:at]
    return _LEAD.search(seg) is not None


def _line_lo(text: str, at: int) -> int:
    """Start of the line holding ``text[at]`` (also after a literal ``\\n``), 2 KiB back at most."""
    lo = max(0, at - 2048)
    nl = max(text.rfind("\n", lo, at), text.rfind("\r", lo, at))
    lit = text.rfind("\\n", lo, at)
    return max(nl + 1 if nl >= 0 else lo, lit + 2 if lit >= 0 else lo)


def _unquoted(text: str, s: int, e: int) -> Span:
    """The inside of a word that is one quoted string, else the word."""
    if e - s >= 2 and text[s] in "\"'" and text[e - 1] == text[s]:
        return s + 1, e - 1
    return s, e


def _enclosing_quote(text: str, lo: int, at: int) -> str | None:
    """The quote of a string the command sits in (``msg="running mysql -pX"``), if any."""
    seg = text[lo:at]
    for q in ('"', "'"):
        if seg.count(q) % 2:
            return q
    return None


def command_spans(
    text: str,
    pos: int,
    endpos: int,
    sensitive: Callable[[str], bool],
    *,
    starts: Iterable[int] | None = None,
) -> Iterator[Span]:
    """Secret arguments of the programs in :data:`COMMANDS` whose name lies in ``text[pos:endpos]``.

    ``sensitive`` judges the names of ``setter`` programs (``git config NAME VALUE``).
    ``starts``: offsets where a program name may start (the prefilter's keyword offsets,
    a superset); only they are tried, instead of every word of the text.
    """
    found: Iterable[re.Match[str] | None]
    if starts is None:
        found = _PROGRAM.finditer(text, pos, endpos)
    else:
        found = (_PROGRAM.match(text, s, endpos) for s in starts if pos <= s < endpos)
    for m in found:
        if m is None:
            continue
        cmds = _BY_NAME.get(m.group("name").lower())
        if not cmds:
            continue
        lo = _line_lo(text, m.start())
        eol = _EOL.search(text, m.end(), m.end() + 4096)
        stop = eol.start() if eol else min(len(text), m.end() + 4096)
        quote = _enclosing_quote(text, lo, m.start())
        if quote is not None:
            q = text.find(quote, m.end(), stop)
            stop = stop if q < 0 else q
        words: list[Span] = []
        programs: set[int] = set()  # the words that name a program of the table
        for w in _WORD.finditer(text, m.end(), stop):
            if w.group().startswith("<<<"):
                break  # a here-string feeds stdin: here_string_spans reads it
            if w.group() in _SEPARATORS:
                break
            nxt = _PROGRAM.match(text, w.start())
            if nxt is not None and nxt.end() == w.end():
                programs.add(len(words))
            words.append(w.span())
        # A program's name as the last word runs nothing: it is an argument (a value that
        # spells LDAPSEARCH after git config github.token).
        programs.discard(len(words) - 1)
        at_cmd: bool | None = None
        for cmd in cmds:
            if (cmd.positional is not None or cmd.setter or cmd.connect) and at_cmd is None:
                at_cmd = _command_position(text, lo, m.start())
            yield from _arguments(
                text,
                words=words,
                programs=programs,
                cmd=cmd,
                sensitive=sensitive,
                at_cmd=bool(at_cmd),
            )
            if _reads_stdin(text, words, cmd):
                fed = _fed_by(text, lo, m.start())
                if fed is not None and cmd.stdin_user:
                    # chpasswd reads user:password lines: the user stays readable
                    colon = text.find(cmd.user_sep, *fed)
                    fed = (colon + 1, fed[1]) if 0 <= colon < fed[1] - 1 else fed
                if fed is not None:
                    yield fed
            if cmd.prints and _has_sub(text, words, cmd) and _command_position(text, lo, m.start()):
                printed = _printed_line(text, stop)
                if printed is not None:
                    yield printed


def _to_eol(text: str, lo: int, head: int, at: int) -> Span | None:
    """The rest of the line from ``at`` (to the quote of a string it sits in), blanks trimmed."""
    eol = _EOL.search(text, at, at + 65536)
    stop = eol.start() if eol else min(len(text), at + 65536)
    quote = _enclosing_quote(text, lo, head)
    if quote is not None:
        q = text.find(quote, at, stop)
        stop = stop if q < 0 else q
    while stop > at and text[stop - 1] in " \t":
        stop -= 1
    return (at, stop) if stop > at else None


def _has_sub(text: str, words: list[Span], cmd: Command) -> bool:
    """Whether ``words`` start with ``cmd``'s subcommand words (flags before them skipped)."""
    i = 0
    for sub in cmd.sub:
        while i < len(words) and text[words[i][0]] == "-":
            i += 1
        if i >= len(words) or text[slice(*words[i])].lower() != sub:
            return False
        i += 1
    return True


def _reads_stdin(text: str, words: list[Span], cmd: Command) -> bool:
    """Whether ``cmd``, with arguments ``words``, reads its secret on stdin (its table row)."""
    return (
        cmd.stdin == STDIN_ALWAYS
        or (bool(cmd.stdin) and any(text[ws:we] in cmd.stdin for ws, we in words))
    ) and _has_sub(text, words, cmd)


#: A here-string (``<<< v``, ``<<<'v'``): the word after it is the command's stdin.
_HERE_STRING = re.compile(r"<<<[ \t]*+(?=\S)")
#: A flag whose name says the command reads a secret (``--password-stdin``, ``--api-token``,
#: ``--with-token``), or ``login -``: what a program outside :data:`COMMANDS` reads on stdin.
_STDIN_SECRET = re.compile(
    r"(?i)(?:^|[ \t])--?[\w-]{0,63}?(?:pass|token|secret|key|cred|auth)|\blogin[ \t]+-(?=[ \t])"
)


def here_string_spans(text: str, pos: int, endpos: int) -> Iterator[Span]:
    """The word of each here-string fed to a command that reads its secret on stdin.

    The one reader of ``<<<`` (command lines, flags and config lines all come here): the
    command before it on its line reads a secret on stdin when a program of
    :data:`COMMANDS` has its ``stdin`` word there (``gh auth login --with-token``,
    ``glab auth login --stdin``, ``vault login -``), or a flag's name says so
    (``--password-stdin``, ``--api-token``). Each line is read once (linear).
    """
    seen, stdin = -1, False
    for m in _HERE_STRING.finditer(text, pos, endpos):
        lo = _line_lo(text, m.start())
        if lo > seen:
            seen, stdin = lo, False  # a new line
        if not stdin:
            stdin = _STDIN_SECRET.search(text, max(lo, seen - 80), m.start()) is not None
            stdin = stdin or _table_reads_stdin(text, max(lo, seen - 4096), m.start())
            seen = m.start()
        if stdin:
            w = _WORD.match(text, m.end())
            if w is not None and w.group() not in _SEPARATORS:
                yield _unquoted(text, *w.span())


def _table_reads_stdin(text: str, lo: int, at: int) -> bool:
    """Whether a program of :data:`COMMANDS` in ``text[lo:at]`` reads its secret on stdin."""
    for m in _PROGRAM.finditer(text, lo, at):
        for cmd in _BY_NAME.get(m.group("name").lower(), ()):
            if cmd.stdin:
                words = [w.span() for w in _WORD.finditer(text, m.end(), at)]
                if _reads_stdin(text, words, cmd):
                    return True
    return False


#: What feeds a literal to the next program of a pipeline: ``echo [-n] v |``, ``printf '%s' v |``.
_FEEDERS = frozenset({"echo", "printf", "print", "write-output", "echo.exe"})


#: Words that run the next one (``sudo -E``, ``env``): a pipeline stage may start with them.
_PRECOMMANDS = re.compile(r"(?:[ \t]*\b(?:sudo|doas|env|exec|command|nohup|time)(?:[ \t]+-\S+)*)+$")


def _fed_by(text: str, lo: int, at: int) -> Span | None:
    """The literal that ``echo v |`` (the pipeline stage before ``text[at]``) writes, if any."""
    head = _PRECOMMANDS.sub("", text[lo:at].rstrip(" \t"))  # echo v | sudo chpasswd
    if not head.endswith("|") or head.endswith("||"):
        return None
    pipe = lo + len(head) - 1
    start = _open_quote_end(text, lo, pipe)  # cmd="echo v | docker login ...": after the "
    words: list[Span] = []
    for w in _WORD.finditer(text, start, pipe):
        word = w.group()
        if word in _SEPARATORS or word in ("then", "do", "$(", "`"):
            words = []  # a stage or a command before this one
        elif word.endswith(";"):
            words = []
        else:
            ws = w.start() + (len(word) - len(word.lstrip("$(`")))
            words.append((ws, w.end()))
    if len(words) < 2:
        return None
    program = text[slice(*words[0])].rsplit("/", 1)[-1].lower()
    args = [w for w in words[1:] if not text[slice(*w)].startswith("-")]
    if program not in _FEEDERS or not args:
        return None
    if program == "printf" and len(args) < 2 and "%" in text[slice(*args[0])]:
        return None
    return _unquoted(text, *args[-1])


def _open_quote_end(text: str, lo: int, at: int) -> int:
    """Just after the quote still open at ``at`` (shell rules from ``lo``), else ``lo``."""
    quote, opened, i = "", lo, lo
    while i < at:
        ch = text[i]
        if quote == '"' and ch == "\\":
            i += 2
            continue
        if quote and ch == quote:
            quote = ""
        elif not quote and ch in "\"'":
            quote, opened = ch, i + 1
        i += 1
    return opened if quote else lo


#: A transcript line a program writes before its secret: a warning (heroku's ``›``) or a blank.
_NOT_OUTPUT = re.compile(r"[ \t]*+(?:[›▸!]|(?i:warning)|(?=\r?\n|\r|\Z))")
_ONE_WORD = re.compile(r"[ \t]*+(?P<w>[^ \t\r\n\f\v\"'`]{8,4096}+)[ \t]*+(?:\r?\n|\r|$)")


def _printed_line(text: str, stop: int) -> Span | None:
    """What a ``prints`` program wrote: the first one-word line of the 4 after ``stop``."""
    at = stop
    for _ in range(4):
        nl = text.find("\n", at, at + 4098)
        if nl < 0:
            return None
        at = nl + 1
        w = _ONE_WORD.match(text, at)
        if w is not None:
            return w.span("w")
        if _NOT_OUTPUT.match(text, at) is None:
            return None  # a prompt, prose or another command's output: not the secret
    return None


def _secret_index(cmd: Command, letters: set[str]) -> int | None:
    """Which positional is the secret (``htpasswd -b f user v``: 2), given the short flags seen.

    A word in that slot is the secret even when it spells a program (``... bob LDAPSEARCH``).
    """
    if cmd.positional is None or (cmd.when and cmd.when not in letters):
        return None
    if cmd.when_index is not None and cmd.when_index[0] in letters:
        return cmd.when_index[1]
    return cmd.positional


def _arguments(
    text: str,
    *,
    words: list[Span],
    programs: set[int],
    cmd: Command,
    sensitive: Callable[[str], bool],
    at_cmd: bool,
) -> Iterator[Span]:
    """The secret spans among one command's ``words`` (see :class:`Command`)."""
    i = 0
    for sub in cmd.sub:  # the subcommand words first (flags before them are global flags)
        while i < len(words) and text[words[i][0]] == "-":
            i += 1
        if i >= len(words) or text[slice(*words[i])].lower() != sub:
            return
        i += 1
    positionals: list[Span] = []
    letters: set[str] = set()
    pending: str | None = None
    for j in range(i, len(words)):
        s, e = words[j]
        word = text[s:e]
        if j in programs and pending is None and _secret_index(cmd, letters) is None:
            # the next program (sshpass -p v ssh ..., a wrapper) has its own arguments; a
            # command whose secret is the nth word counts its words (a file named passwd)
            break
        if pending is not None:
            kind, pending = pending, None
            if not word.startswith("-"):
                span = _argument(text, s, e, kind, cmd)
                if span is not None:
                    yield span
                continue
        if word.startswith("-") and len(word) > 1 and not word.startswith("--"):
            kind_or_span = _short(text, s, e, cmd, letters)
            if isinstance(kind_or_span, str):
                pending = kind_or_span
            elif kind_or_span is not None:
                yield kind_or_span
            continue
        if word.startswith("--"):
            name, eq, _ = word.partition("=")
            long_kind = _kind(name, cmd)
            if long_kind is not None:
                if eq:
                    span = _argument(text, s + len(name) + 1, e, long_kind, cmd)
                    if span is not None:
                        yield span
                else:
                    pending = long_kind
            continue
        if word.startswith("/") and not cmd.getopt:
            low = word.lower()
            for f in cmd.flags:
                if not f.startswith("/"):
                    continue
                if low == f.lower():
                    pending = "plain"  # /RP v: the value is the next word
                    break
                if f.endswith(":") and low.startswith(f.lower()):
                    yield _unquoted(text, s + len(f), e)  # /p:v
                    break
            continue
        if not _DRIVE.fullmatch(word):
            positionals.append((s, e))
            if cmd.options_first:
                break
    if not at_cmd:
        return
    idx = _secret_index(cmd, letters)
    if idx is not None and idx < len(positionals):
        s, e = positionals[idx]
        if not (cmd.pairs and "=" in text[s:e]) and text[s:e] != "-":
            yield _unquoted(text, s, e)
    if cmd.by_name and positionals:
        first = text[slice(*_unquoted(text, *positionals[0]))].lower()
        for prefix, idx in cmd.by_name:
            if first.startswith(prefix) and idx < len(positionals):
                yield _unquoted(text, *positionals[idx])
    if cmd.setter:
        for (ns, ne), (vs, ve) in itertools.pairwise(positionals):
            if sensitive(text[slice(*_unquoted(text, ns, ne))]):
                yield _unquoted(text, vs, ve)
                break
    if cmd.connect:
        for s, e in positionals:
            span = _connect_password(text, s, e)
            if span is not None:
                yield span


#: Words never counted as positional arguments: a drive letter (``net use Z: ...``) or ``*``.
_DRIVE = re.compile(r"[A-Za-z]:|\*")


#: Programs an env assignment may prefix (``PGPASSWORD=v psql``) besides those of the table.
_RUNNERS = frozenset(
    {
        "psql",
        "pg_dump",
        "pg_dumpall",
        "pg_restore",
        "pg_basebackup",
        "createdb",
        "dropdb",
        "vacuumdb",
        "pgbench",
        "pg_isready",
        "python",
        "python3",
        "node",
        "java",
        "ruby",
        "php",
        "perl",
        "bash",
        "sh",
        "zsh",
        "make",
        "npm",
        "npx",
        "yarn",
        "go",
        "cargo",
        "dotnet",
        "terraform",
        "ansible-playbook",
        "kubectl",
        "helm",
        "docker",
        "podman",
        "env",
        "exec",
    }
)
_FLAG_WORD = re.compile(r"(?:^|[ \t])--?[A-Za-z]")


def looks_like_command(rest: str) -> bool:
    """Whether ``rest`` (what follows ``NAME=value `` on a line) is a command it prefixes.

    ``PGPASSWORD=v psql -h db``: the value is one word. ``PASSWORD=correct horse battery``:
    the value runs to the end of the line (the caller's rule).
    """
    words = rest.split(None, 1)
    if not words:
        return False
    first = words[0].rsplit("/", 1)[-1].lower()
    if first in _RUNNERS or first in _BY_NAME or words[0].startswith(("./", "/")):
        return True
    return _FLAG_WORD.search(rest) is not None


def _kind(flag: str, cmd: Command) -> str | None:
    """How the argument of ``flag`` is read: ``plain``, ``user`` or ``prefixed`` (or None)."""
    if flag in cmd.flags:
        return "plain"
    if flag in cmd.user_flags:
        return "user"
    if flag in cmd.prefixed:
        return "prefixed"
    return None


def _short(text: str, s: int, e: int, cmd: Command, letters: set[str]) -> str | Span | None:
    """A single-dash word: a pending kind (argument follows), a glued argument's span, or None."""
    word = text[s:e]
    kind = _kind(word, cmd)
    if kind is not None:
        return kind
    if not cmd.getopt or not word[1:2].isalpha():
        return None
    for j in range(1, len(word)):
        ch = word[j]
        kind = _kind("-" + ch, cmd)
        if kind is not None:
            if j + 1 < len(word):
                return _argument(text, s + j + 1, e, kind, cmd)
            return kind
        if not ch.isalnum():
            return None
        letters.add(ch)
    return None


def _argument(text: str, s: int, e: int, kind: str, cmd: Command) -> Span | None:
    """The secret part of an argument word ``text[s:e]`` read as ``kind``."""
    s, e = _unquoted(text, s, e)
    if kind == "prefixed":
        if not text.startswith("pass:", s):
            return None  # env:X, file:path, fd:3, stdin name a source, not a secret
        s, e = _unquoted(text, s + 5, e)
    elif kind == "user":
        sep = text.find(cmd.user_sep, s, e)
        if sep < 0:
            return None
        ps, pe = _unquoted(text, sep + 1, e)
        if pe > ps:
            return ps, pe
        return (s, sep) if sep > s else None  # curl -u "token:" : the user is the secret
    return (s, e) if e > s else None


#: ``user/password[@db]`` (Oracle): the user is a plain or quoted identifier.
_CONNECT = re.compile(r"""(?:[A-Za-z_][\w$#.]{0,127}|"[^"\r\n]{1,128}")/(?=\S)""")


def _connect_password(text: str, s: int, e: int) -> Span | None:
    """The password of an Oracle connect word ``user/pw[@db]`` (or ``userid=user/pw@db``)."""
    eq = text.find("=", s, e)
    slash = text.find("/", s, e)
    if 0 <= eq < slash:
        if text[s:eq].lower() not in ("userid", "target", "catalog", "auxiliary"):
            return None
        s = eq + 1
    s, e = _unquoted(text, s, e)
    m = _CONNECT.match(text, s, e)
    if m is None:
        return None
    ps = m.end()
    if text.startswith('"', ps):
        close = text.find('"', ps + 1, e)
        return (ps + 1, close) if close > ps + 1 else None
    at = text.rfind("@", ps, e)
    pe = e if at < 0 else at
    if "/" in text[ps:pe] and at < 0:
        return None  # a path (a/b/c), not user/password
    return (ps, pe) if pe > ps else None


# -- config lines without "=" ---------------------------------------------------------------

#: Where a Redis command starts: a line (or a ``host:port>`` prompt), MONITOR's ``[db addr]``
#: prefix, or the arguments of ``redis-cli``.
_REDIS_LEAD = (
    r"(?:^[ \t]*+(?:[\w.:\-\[\]]{1,64}>[ \t]*)?|\][ \t]++|redis-cli[^\r\n|;&]{0,256}?[ \t])"
)
_REDIS_AUTH = re.compile(rf"(?im){_REDIS_LEAD}[\"']?auth[\"']?[ \t]++(?=\S)")
#: Config-file directives whose first argument (after ``--options``) is a secret, as written
#: at the start of a line: Redis ``requirepass``/``masterauth``, Kickstart and slapd
#: ``rootpw``, nslcd/ldap.conf ``bindpw``, net-snmp ``rocommunity``/``rwcommunity`` (the
#: community string is the device's password), Cisco ``snmp-server community``.
DIRECTIVES: tuple[str, ...] = (
    "requirepass",
    "masterauth",
    "rootpw",
    "bindpw",
    "rocommunity",
    "rwcommunity",
    "rocommunity6",
    "rwcommunity6",
    "snmp-server community",
)
_DIRECTIVE = re.compile(
    r"(?im)^[ \t]*+[\"']?(?:"
    + "|".join(re.escape(d).replace(r"\ ", r"[ \t]++") for d in DIRECTIVES)
    + r")[\"']?[ \t]++(?:--?[a-z][\w-]*+[ \t]++)*+(?=[^\s-])"
)
#: An ACL rule that adds (``>pw``) or removes (``<pw``) a password: ACL SETUSER or users.acl.
_ACL_LINE = re.compile(r"(?im)(?:\bacl[ \t]++setuser|^[ \t]*+user)[ \t]++\S++")
#: What an ACL password word needs: ``<`` or ``>`` opening a word (``_words_to_eol``'s words
#: start after a blank or a quote, within 4,096 characters; the first one after the user
#: name's blank). Checked first: ``user`` is in most log lines, an ACL line in almost none.
#: A leading character class, so that the regex engine skips ahead at C speed.
_ACL_WORD = re.compile(r"[\s\"'`][<>]")
#: netrc tokens are separated by any whitespace, line breaks included (``password`` on one
#: line, its value on the next).
_NETRC = re.compile(r"(?<![\w-])(?:password|passwd)\s++(?=\S)")
_NETRC_KEYWORDS = frozenset({"machine", "default", "login", "account", "port", "macdef"})
_NETRC_CONTEXT = re.compile(r"(?:^|\s)(?:machine|default)(?:\s|$)")
_NETRC_TOKENS = frozenset({"login", "account", "port", "macdef", "password", "passwd"})
_PGPASS = re.compile(
    r"""(?mx)
    ^[ \t]*+(?:\*|[A-Za-z0-9_.\-]*[A-Za-z.\-][A-Za-z0-9_.\-]*|\[[0-9A-Fa-f:]+\])  # host
    :(?:\*|\d{2,5})                                     # port
    :(?:[^:\s\\]|\\.){1,128}+                           # database
    :(?:[^:\s\\]|\\.){1,128}+                           # user
    :(?P<pw>(?:[^:\r\n\\]|\\.)++)$                      # password
    """
)
_PGPASS_KEYWORDS = (":5432:", ":5433:", ":6432:", ":*:")
_DIRECTIVE_WORDS = tuple(sorted({d.split()[0] for d in DIRECTIVES}))
_PGPASS_GATE = re.compile("|".join(re.escape(k) for k in _PGPASS_KEYWORDS))
#: Oracle JDBC URLs carry ``user/password@host`` after the driver name.
_URL_WORD = re.compile(r"[^ \t\r\n\f\v\"']++")
_JDBC_ORACLE = re.compile(r"(?i)jdbc:oracle:[a-z0-9]{1,16}:(?=[^ \t\r\n\f\v@/]{1,256}/)")


#: CI runners' workflow commands (GitHub Actions ``::name params::value``, Azure Pipelines
#: ``##vso[area.action params]value``): the value runs to the end of its line.
_RUNNER = re.compile(
    r"""(?x)
    ::(?P<gh>[a-z][a-z\-]{0,31})(?:[ \t]++(?P<ghp>[^:\r\n]{0,512}+))?::
  | \#\#vso\[(?P<vso>[a-z]{1,32}\.[a-z]{1,32})(?:[ \t]++(?P<vsop>[^\]\r\n]{0,512}+))?\]
    """,
    re.I,
)
_RUNNER_KEYWORDS = ("::add-mask::", "##vso[", "::set-output", "::save-state")
_RUNNER_SECRET = frozenset({"add-mask", "task.setsecret"})
_RUNNER_NAMED = frozenset({"set-output", "save-state", "task.setvariable", "task.setendpoint"})
_RUNNER_PARAM = re.compile(r"(?i)(?:^|[;,])[ \t]*(?P<k>[a-z]{1,32})[ \t]*=[ \t]*(?P<v>[^;,\]]*)")


def runner_secret_command(name: str) -> bool:
    """Whether ``::name::`` (a GitHub Actions workflow command) registers a secret."""
    return name.strip(":").lower() in _RUNNER_SECRET


def _runner_secret(m: re.Match[str], sensitive: Callable[[str], bool]) -> bool:
    """Whether workflow command ``m`` carries a secret: it registers one, or names one."""
    action = (m.group("gh") or m.group("vso")).lower()
    if action in _RUNNER_SECRET:
        return True
    if action not in _RUNNER_NAMED:
        return False
    params = {
        p.group("k").lower(): p.group("v").strip()
        for p in _RUNNER_PARAM.finditer(m.group("ghp") or m.group("vsop") or "")
    }
    if params.get("issecret", "").lower() == "true":
        return True
    name = params.get("name") or params.get("variable") or params.get("field") or ""
    return bool(name) and sensitive(name)


# -- argument vectors ------------------------------------------------------------------------

#: Characters that make an argv item more than one bare shell word (see ``_WORD``).
_WORD_BREAKS = frozenset(" \t\r\n\f\v\"'`")
#: Where an argv item is pieced into its line: (line offset, item offset, length).
Piece = tuple[int, int, int]


def argv_text(items: Sequence[object]) -> tuple[str, list[list[Piece]]] | None:
    """An argument vector (``["mysql", "-pv"]``, ``subprocess`` ``args``) as one command line.

    None unless ``items`` are two or more strings headed by a program of :data:`COMMANDS`
    (or a runner such as ``psql``) or holding a flag. Returns the line and, per item, the
    pieces of it that the line shows. An item with blanks or quotes is quoted as a shell
    user writes it, after its flag (``-p'a b'``, ``--password='a b'``), so that it stays one
    word; one that cannot be (both quotes, a line break) shows as ``_`` (it is still
    redacted on its own).
    """
    if len(items) < 2 or not all(type(v) is str for v in items):
        return None
    words = cast("Sequence[str]", items)
    head = words[0].rsplit("/", 1)[-1].lower()
    program = head in _BY_NAME or head in _RUNNERS
    if not program and not any(len(w) > 1 and w[0] == "-" for w in words):
        return None
    parts: list[str] = []
    pieces: list[list[Piece]] = []
    at = 0
    for w in words:
        if w and _WORD_BREAKS.isdisjoint(w):
            parts.append(w)
            pieces.append([(at, 0, len(w))])
        elif "\n" in w or "\r" in w:
            parts.append("_")  # a line break cannot sit inside one word of a line
            pieces.append([])
        else:
            word, spans = _quoted_word(w, at)
            parts.append(word)
            pieces.append(spans)
        at += len(parts[-1]) + 1
    return " ".join(parts), pieces


#: A list (or tuple) literal of quoted strings, as ``repr``/JSON print an argument vector.
_LIST_ITEM = r"""(?:'(?:[^'\\\r\n]|\\.){0,4096}+'|"(?:[^"\\\r\n]|\\.){0,4096}+")"""
_LIST_LITERAL = re.compile(
    rf"[\[(][ \t]*+{_LIST_ITEM}(?:[ \t]*+,[ \t]*+{_LIST_ITEM}){{1,256}}+[ \t]*+,?[ \t]*+[\])]"
)
_LIST_STRING = re.compile(_LIST_ITEM)


def argv_literal_spans(
    text: str, pos: int, endpos: int, find: Callable[[str], Iterable[Span]]
) -> Iterator[Span]:
    """Secret arguments of an argument vector printed as a list literal in text
    (``Command '['mysql', '-pv']' returned non-zero``, ``args=["curl", "-u", "u:v"]``):
    the list is read as the command line it runs (:func:`argv_text`), and ``find`` (the
    caller's detector: flags by name, this table) says what is secret in that line."""
    for m in _LIST_LITERAL.finditer(text, pos, endpos):
        bounds = [
            (q.start() + 1, q.end() - 1) for q in _LIST_STRING.finditer(text, m.start(), m.end())
        ]
        argv = argv_text([text[a:b] for a, b in bounds])
        if argv is None:
            continue
        line, pieces = argv
        found = list(find(line))
        for (a, _b), item_pieces in zip(bounds, pieces, strict=True):
            for fs, fe in found:
                hits = [
                    (io + max(fs, ls) - ls, io + min(fe, ls + n) - ls)
                    for ls, io, n in item_pieces
                    if fs < ls + n and fe > ls
                ]
                if hits:
                    yield a + hits[0][0], a + hits[-1][1]


def _quoted_word(w: str, at: int) -> tuple[str, list[Piece]]:
    """``w`` as one shell word at line offset ``at``: its flag bare (``-p``, ``--password=``,
    ``/p:``), the rest single-quoted, or double-quoted with ``\\`` escapes when it holds ``'``."""
    cut = 0
    if w.startswith("--") and "=" in w:
        cut = w.index("=") + 1
    elif w.startswith("-"):
        cut = min(2, len(w))
    elif w.startswith("/") and ":" in w[:32]:
        cut = w.index(":") + 1
    if not _WORD_BREAKS.isdisjoint(w[:cut]):
        cut = 0
    rest = w[cut:]
    spans: list[Piece] = [(at, 0, cut)] if cut else []
    if "'" not in rest:
        spans.append((at + cut + 1, cut, len(rest)))
        return f"{w[:cut]}'{rest}'", spans
    out = [w[:cut], '"']
    pos = at + cut + 1
    run = cut
    for i, ch in enumerate(rest, cut):
        if ch in '"\\':
            if i > run:
                spans.append((pos, run, i - run))
                pos += i - run
            out.append("\\")
            pos += 1
            run = i
        out.append(ch)
    spans.append((pos, run, len(w) - run))
    out.append('"')
    return "".join(out), spans


#: Cisco IOS / NX-OS lines (``enable secret 5 v``, ``username u privilege 15 password 7 v``,
#: ``tacacs-server key v``, ``snmp-server community v RO``): an optional type digit, the
#: secret (to the next ASCII blank), and only a known trailer after it (prose such as
#: "enable password protection on the router" has more words).
_IOS = re.compile(
    r"""(?imx)^[ \t]*+
    (?:enable[ \t]+(?:secret|password)(?:[ \t]+level[ \t]+\d{1,2})?
      | username[ \t]+\S{1,64}(?:[ \t]+privilege[ \t]+\d{1,2})?[ \t]+(?:secret|password)
      | (?:tacacs|radius)-server(?:[ \t]+host[ \t]+\S{1,253})?[ \t]+key
      | key-string | ip[ \t]+ospf[ \t]+authentication-key | pre-shared-key
      | crypto[ \t]+isakmp[ \t]+key | snmp-server[ \t]+community | wpa-psk[ \t]+ascii
    )
    (?:[ \t]+[0-9]{1,2}(?=[ \t]+\S))?[ \t]++
    (?P<v>[^ \t\r\n\f\v]{1,256}+)
    (?=[ \t]*+(?:$|(?:RO|RW|ro|rw|view|address|hostname)\b))
    """
)


def _words_to_eol(text: str, at: int) -> list[Span]:
    eol = _EOL.search(text, at, at + 4096)
    stop = eol.start() if eol else min(len(text), at + 4096)
    out = []
    for w in _WORD.finditer(text, at, stop):
        if w.group() in _SEPARATORS:
            break
        out.append(w.span())
    return out


def _acl_word(text: str, pos: int, endpos: int) -> bool:
    """Whether an ACL password word (``_ACL_WORD``) can follow a line in ``text[pos:endpos]``.

    The words are read to the end of their line (at most 4,096 characters on), so the search
    stops at the first line break from ``endpos``: reading 4 KB past every woken window made a
    log of short ``user=`` lines cost 4 KB of regex per line.
    """
    stop = text.find("\n", endpos, endpos + 4096)
    stop = min(len(text), endpos + 4096) if stop < 0 else stop
    if text.find("<", pos, stop) < 0 and text.find(">", pos, stop) < 0:
        return False  # memchr speed; the class search below steps through every blank
    return _ACL_WORD.search(text, pos, stop) is not None


def config_line_spans(
    text: str, pos: int, endpos: int, sensitive: Callable[[str], bool] | None = None
) -> Iterator[Span]:
    """Secrets on Redis, netrc, .pgpass, Cisco IOS lines, Oracle JDBC URLs, here-strings fed
    to a command that reads its secret on stdin, and CI runners' workflow commands in
    ``text[pos:endpos]`` (``sensitive`` judges a workflow command's variable)."""
    low = text[pos:endpos].lower()
    if "::" in low or "##vso[" in low:
        for m in _RUNNER.finditer(text, pos, endpos):
            if _runner_secret(m, sensitive or (lambda _: False)):
                span = _to_eol(text, _line_lo(text, m.start()), m.start(), m.end())
                if span is not None:
                    yield span
    if "auth" in low:
        for m in _REDIS_AUTH.finditer(text, pos, endpos):
            words = _words_to_eol(text, m.end())
            if 1 <= len(words) <= 2:  # AUTH [user] password; more words are prose
                yield _unquoted(text, *words[-1])
    if any(d in low for d in _DIRECTIVE_WORDS):
        for m in _DIRECTIVE.finditer(text, pos, endpos):
            words = _words_to_eol(text, m.end())
            if words:
                yield _unquoted(text, *words[0])
    if "user" in low and _acl_word(text, pos, endpos):
        for m in _ACL_LINE.finditer(text, pos, endpos):
            for ws, we in _words_to_eol(text, m.end()):
                if text[ws] in "<>" and we - ws > 1:
                    yield ws + 1, we
    if ("password" in low or "passwd" in low) and _netrc_words(text, pos, endpos):
        # _netrc_context needs a line (this one or one above) opened by one of those words
        for m in _NETRC.finditer(text, pos, endpos):
            if _netrc_context(text, m.start()):
                w = _WORD.match(text, m.end())
                if w is not None and w.group() not in _NETRC_KEYWORDS:
                    yield _unquoted(text, *w.span())
    if _PGPASS_GATE.search(low) is not None:
        for m in _PGPASS.finditer(text, pos, endpos):
            yield m.span("pw")
    if "<<<" in low:
        yield from here_string_spans(text, pos, endpos)
    if any(k in low for k in ("secret", "password", "key", "community", "psk")):
        for m in _IOS.finditer(text, pos, endpos):
            yield m.span("v")
    if "jdbc:oracle:" in low:
        for m in _JDBC_ORACLE.finditer(text, pos, endpos):
            w = _URL_WORD.match(text, m.end())
            if w is not None:
                span = _connect_password(text, *w.span())
                if span is not None:
                    yield span


def _netrc_words(text: str, pos: int, endpos: int) -> bool:
    """Whether ``machine`` or ``default`` is within the reach of ``_netrc_context`` (its
    1,024 characters back), never the whole text: this runs once per window."""
    lo = max(0, pos - 1100)
    return text.find("machine", lo, endpos) >= 0 or text.find("default", lo, endpos) >= 0


def _netrc_tokens(words: list[str]) -> bool:
    """Whether ``words`` are netrc ``token value`` pairs (``login me``, ``account x``)."""
    return len(words) % 2 == 0 and all(w in _NETRC_TOKENS for w in words[::2])


def _netrc_line(words: list[str]) -> bool:
    """Whether ``words`` open a netrc entry: ``machine h ...`` or ``default ...``."""
    if words[:1] == ["default"]:
        return _netrc_tokens(words[1:])
    return len(words) >= 2 and words[0] == "machine" and _netrc_tokens(words[2:])


def _netrc_context(text: str, at: int) -> bool:
    """Whether ``password`` at ``at`` is a netrc token: its line or its block names a machine."""
    lo = _line_lo(text, at)
    line = text[lo:at]
    q = max(line.rfind('"'), line.rfind("'"))
    if q >= 0 and line.count(line[q]) % 2:
        line = line[q + 1 :]  # echo "machine h login u password v" > ~/.netrc: the string
    head = line.split()
    if head:
        return _netrc_line(head)
    back = max(0, lo - 1024)
    for line in reversed(text[back:lo].splitlines()):
        words = line.split()
        if not words:
            continue  # netrc tokens may be separated by any whitespace, blank lines included
        if _netrc_line(words):
            return True
        if not _netrc_tokens(words[:2]):
            return False
    return False
