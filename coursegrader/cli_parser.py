"""The command line's parser: every option checked before any work, each mistake one line.

argparse prints its whole usage block above an error and says only "unrecognized arguments"
for a misspelt flag; an instructor then reads the usage of every command to find a typo. Here
an error is one line naming the option, what is wrong and what to write, a misspelt flag or
command gets the nearest real one, and the exit status is 2 (argparse's, kept).
"""

import argparse
import difflib
import math
import re

USAGE_ERROR = 2


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (its subcommands' parsers are of this class too)."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        choice = re.search(r"invalid choice: '([^']*)'", message)
        if choice:
            commands = [name for action in self._actions if isinstance(action, argparse._SubParsersAction)
                        for name in action.choices]
            message = f"no command {choice.group(1)!r}{_nearest(choice.group(1), commands)}; the commands are " \
                      f"{', '.join(commands)}"
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")


def parse(parser: Parser, argv) -> argparse.Namespace:
    """The parsed command line; a flag no command knows ends the program with a suggestion.

    argparse finds leftover flags only after the subcommand's parser is done, and then reports
    them with the top-level usage; here they are reported with the subcommand's options."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        command = _subparser(parser, getattr(args, "command", None)) or parser
        flags = [option for action in command._actions for option in action.option_strings]
        unknown = next((word for word in extra if word.startswith("-")), extra[0])
        name = unknown.split("=", 1)[0]
        what = f"no option {name}" if name.startswith("-") else f"unexpected argument {name!r}"
        command.exit(USAGE_ERROR, f"{command.prog}: error: {what}{_nearest(name, flags)}; "
                                  f"see `{command.prog} --help`\n")
    return args


def _subparser(parser: Parser, command: str | None) -> Parser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]
    return None


def _nearest(word: str, candidates) -> str:
    near = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {near[0]}?)" if near else ""


# --- value types: argparse turns their ArgumentTypeError into the one-line error above -----

def positive_seconds(text: str) -> float:
    """A time limit: a finite number of seconds above 0 (0 or less would stop every submission at once)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds; give one such as 60") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text} seconds is not a time limit; give a number above 0, such as 60")
    return value


def positive_count(text: str) -> int:
    """A count of workers: a whole number from 1 up."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give one such as 2") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a number of workers; give 1 or more")
    return value


def non_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty name; give a column name such as autograd")
    return text


def scheduler_address(text: str) -> str:
    """A Dask scheduler's address: ``tcp://host:port`` (or another Dask protocol), or ``host:port``."""
    match = re.fullmatch(r"(?:([a-z][a-z0-9+.-]*)://)?(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d{1,5})/?", text)
    if not match or not 0 < int(match.group(3)) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a scheduler address; give one such as tcp://10.0.0.5:8786 "
                                         "(what `dask scheduler` prints)")
    return text if match.group(1) else f"tcp://{text}"
