/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * commands.h -- the table of quorum-audit subcommands.
 *
 * Adding a subcommand is one line here (name, function, usage summary) plus
 * its file cli/cmd_<name>.c (listed in audit/meson.build).  The function gets
 * argv[0] = the subcommand name and returns the exit status: 0 when what was
 * asked holds, 1 when a check fails, 2 for usage or I/O errors.
 */
/* The table is aligned by hand for reading. */
// clang-format off
CLI_COMMAND("init", cmd_init, N_("DIR --origin ORIGIN          create a log and its key"))
CLI_COMMAND("append", cmd_append, N_("DIR [FILE...]               append each FILE (or stdin) as one entry"))
CLI_COMMAND("checkpoint", cmd_checkpoint, N_("DIR                         sign a checkpoint of the current size"))
CLI_COMMAND("prove", cmd_prove, N_("DIR INDEX [--size N]        print a tlog-proof@v1 for entry INDEX"))
CLI_COMMAND("consistency", cmd_consistency, N_("DIR OLD NEW                 print a consistency proof"))
CLI_COMMAND("check-proof", cmd_check_proof, N_("VKEY PROOF ENTRY            verify an offline inclusion proof"))
CLI_COMMAND("check-consistency", cmd_check_consistency, N_("VKEY OLD NEW PROOF    verify two checkpoints and the proof between"))
CLI_COMMAND("verify", cmd_verify, N_("DIR                         re-hash and check the whole log"))
CLI_COMMAND("cosign", cmd_cosign, N_("STATE KEY CHECKPOINT [PROOF] witness: check and cosign"))
CLI_COMMAND("witness-key", cmd_witness_key, N_("NAME KEYFILE                create a witness (cosigning) key"))
CLI_COMMAND("verify-election", cmd_verify_election, N_("RECORD_DIR [--json] [--jobs N] re-verify a whole election record"))
CLI_COMMAND("combine", cmd_combine, N_("RECORD_DIR VKEY PARTIAL...  combine stations' partial verifications"))
CLI_COMMAND("checked-in", cmd_checked_in, N_("RECORD ROLL-ID              at which station was ROLL-ID checked in?"))
CLI_COMMAND("find", cmd_find, N_("LOG TRACKING-CODE           a receipt's log index and inclusion proof"))
CLI_COMMAND("opening", cmd_opening, N_("RECORD TRACKING-CODE        what a challenged ballot held, checked"))
// clang-format on
