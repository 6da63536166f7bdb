/* SPDX-License-Identifier: MIT */
/*
 * env.h - what the verifier's passes share: the abstract state (register types, stack
 * slots, call frames), the verifier env every pass works on, and the functions the check_*.c
 * files, state.c, log.c and explore.c offer each other. Nothing here is visible outside
 * src/verifier; the entry point is verifier.h.
 *
 * Model (a subset of the kernel's, same meanings and log wording):
 *  - a register is NOT_INIT, SCALAR_VALUE, PTR_TO_STACK (a frame's stack; R10 is fp0) or
 *    PTR_TO_MEM (memory of a known size: the raw-memory program type's input in R1);
 *  - a pointer has a fixed offset `off` plus a variable offset `var` (a scalar);
 *  - scalars copied by a 64-bit mov share an `id`: a branch that refines one refines all
 *    registers and spills with that id (they hold the same value);
 *  - the stack of each frame is 64 slots of 8 bytes, each byte INVALID, SPILL, MISC or ZERO;
 *    a slot whose 8 bytes are SPILL holds a whole register state;
 *  - up to 8 frames (bpf-to-bpf calls).
 */
#ifndef USERBPF_VERIFIER_ENV_H
#define USERBPF_VERIFIER_ENV_H

#include <stdarg.h>

#include "cfg.h"
#include "range.h"
#include "verifier.h"
#include "../isa/isa.h"
#include "../util/util.h"

#define V_REGS 11
#define V_STACK 512
#define V_SLOTS (V_STACK / 8)
#define V_MAX_VAR_OFF (1ll << 29) /* pointer offsets stay within +-2^29 */
#define V_INSN_LIMIT 1000000
#define V_MAX_PENDING 8192
#define V_MAX_STATES 8192 /* stored checkpoints; beyond it paths are only compared */
#define V_MAX_STATES_PER_INSN 64 /* the kernel's BPF_COMPLEXITY_LIMIT_STATES */

enum reg_type {
	NOT_INIT = 0,
	SCALAR_VALUE,
	PTR_TO_STACK,
	PTR_TO_MEM,
};

struct reg_state {
	uint8_t type;     /* enum reg_type */
	uint8_t frameno;  /* PTR_TO_STACK: whose stack */
	bool rdonly;      /* PTR_TO_MEM: no writes */
	int32_t off;      /* pointers: fixed offset */
	uint32_t mem_size; /* PTR_TO_MEM: bytes from offset 0 */
	uint32_t id;       /* scalars: registers and spills with the same id hold the same value */
	struct range var; /* scalars: the value; pointers: the variable offset */
};

enum stack_byte {
	STACK_INVALID = 0,
	STACK_SPILL,
	STACK_MISC,
	STACK_ZERO,
};

struct stack_slot {
	uint8_t type[8]; /* type[i]: the byte at -(slot*8 + i + 1) from the frame pointer */
	struct reg_state spill;
};

struct vframe {
	struct reg_state regs[V_REGS];
	struct stack_slot stack[V_SLOTS];
	uint32_t callsite; /* the call instruction that made this frame (frame 0: unused) */
	uint32_t subprog;
};

struct vstate {
	struct vframe *frame[CFG_MAX_FRAMES];
	uint32_t curframe;
	uint32_t insn;
	/* exploration bookkeeping (explore.c) */
	struct vstate *parent;  /* the last checkpoint on this path */
	uint32_t branches;      /* checkpoints: paths below still being explored */
	struct vstate *next;    /* checkpoints: the list at one instruction */
};

struct vpending {
	struct vstate *st;
	uint32_t from;   /* the jump that pushed it, for the log */
	size_t log_pos;  /* level 1: where the log stood when it was pushed */
};

struct venv {
	const struct bpf_insn *insns;
	uint32_t n;
	const struct verifier_opts *opts;
	struct verifier_log *log;
	struct userbpf_error *err;
	struct cfg cfg;
	bool privileged;
	struct vstate *cur;
	uint32_t insn;          /* the instruction being checked */
	uint32_t id_gen;        /* last id handed out */
	struct vpending *pending;
	uint32_t npending, cap_pending;
	struct vstate **checkpoints; /* n list heads */
	uint32_t *states_at;         /* checkpoints stored per instruction */
	uint32_t *stack_depth;       /* per subprogram: bytes of stack touched */
	uint16_t *live_in;           /* per insn: registers possibly read from here on */
	size_t path_log_pos;         /* level 1: start of the current path's log */
	bool line_open;              /* an instruction line awaits its end */
	/* statistics for the summary line */
	uint64_t insn_processed, jmps_processed;
	uint64_t prev_insn_processed, prev_jmps_processed; /* when the last checkpoint was added */
	uint64_t insn_limit;
	uint32_t total_states, peak_states, cur_states, max_states_per_insn;
};

/* ---- state.c --------------------------------------------------------------------------- */
struct vstate *state_new(void);
struct vstate *state_copy(const struct vstate *src);
void state_free(struct vstate *st);
void reg_not_init(struct reg_state *r);
void reg_unknown(struct reg_state *r);
void reg_const(struct reg_state *r, uint64_t v);
bool reg_is_ptr(const struct reg_state *r);
/*
 * Is every concrete state of cur one of old's (old complete, so cur may be pruned)? Registers
 * of the innermost frame outside `live` are not compared (nothing reads them any more).
 */
bool state_covers(const struct vstate *old, const struct vstate *cur, uint16_t live);
/* Are the two states identical (a loop that made no progress)? */
bool state_same(const struct vstate *a, const struct vstate *b);
static inline struct vframe *cur_frame(struct venv *env)
{
	return env->cur->frame[env->cur->curframe];
}
static inline struct reg_state *cur_regs(struct venv *env)
{
	return cur_frame(env)->regs;
}

/* ---- log.c ----------------------------------------------------------------------------- */
void vlog(struct venv *env, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* A line of explanation before a rejection (the kernel often prints two). */
void vnote(struct venv *env, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Report a rejection: log line(s) and err (-EACCES unless code says otherwise). */
int verr(struct venv *env, const char *fmt, ...) PRINTF_LIKE(2, 3);
int verr_code(struct venv *env, int code, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* The instruction in the kernel's syntax ("r1 += r2", "if w1 > 0x5 goto pc+3"). */
void vlog_insn_text(const struct bpf_insn *insn, char *buf, size_t len);
/* "R1=ctx()" style value of a register. */
void vlog_reg_text(const struct reg_state *r, char *buf, size_t len);
/* Every initialised register and stack slot of the current frame(s). */
void vlog_state(struct venv *env, const struct vstate *st);
/* Before an instruction: "N: (op) text"; after it: " ; R.. fp.." for what it touched. */
void vlog_insn_begin(struct venv *env, uint32_t pc);
void vlog_insn_end(struct venv *env, uint32_t pc);
bool vlog_on(const struct venv *env, uint32_t level);
size_t vlog_pos(const struct venv *env);
void vlog_rewind(struct venv *env, size_t pos);
const char *reg_type_str(const struct reg_state *r);

/* ---- check_alu.c, check_mem.c, check_jmp.c --------------------------------------------- */
/* Each checks env->insn against env->cur and updates it; 0 or a negative errno (logged). */
int check_alu(struct venv *env, const struct bpf_insn *in, enum isa_op op);
int check_ld_imm64(struct venv *env, const struct bpf_insn *in);
int check_load(struct venv *env, const struct bpf_insn *in, enum isa_op op);
int check_store(struct venv *env, const struct bpf_insn *in, enum isa_op op);
int check_atomic(struct venv *env, const struct bpf_insn *in, enum isa_op op);
int check_reg_read(struct venv *env, uint32_t regno);
/*
 * Conditional jump: decides or refines; returns 0 with *next set to the instruction to
 * continue with (a pushed branch takes the other side), or a negative errno.
 */
int check_cond_jmp(struct venv *env, const struct bpf_insn *in, enum isa_op op, uint32_t *next);
/* Calls and exit: *next is the next instruction, or UINT32_MAX when the path ends. */
int check_call(struct venv *env, const struct bpf_insn *in, enum isa_op op, uint32_t *next);
int check_exit(struct venv *env, uint32_t *next);

/* ---- liveness.c ------------------------------------------------------------------------ */
int liveness_compute(struct venv *env);

/* ---- explore.c ------------------------------------------------------------------------- */
/* Push a copy of st (ownership passes) to be explored from st->insn later. */
int explore_push(struct venv *env, struct vstate *st);
int explore_run(struct venv *env);

#endif
