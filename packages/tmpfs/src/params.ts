/**
 * Every limit of the tmpfs core, in one place (like xv6's param.h). Sizes are in bytes.
 */

// --- Names and paths (POSIX NAME_MAX, PATH_MAX, SYMLOOP_MAX; Linux uses the same first two) ---
export const NAME_MAX = 255; // longest path component; a longer one is ENAMETOOLONG
export const PATH_MAX = 4096; // longest path argument or symlink target; a longer one is ENAMETOOLONG
export const SYMLOOP_MAX = 32; // symlinks followed during one resolution; the 33rd is ELOOP

// --- Inodes ---
export const LINK_MAX = 65000; // default largest nlink (files: names; directories: 2 + subdirectories); beyond is EMLINK
export const FIRST_INO = 1n; // inode number of the root directory; later inodes count up and are never reused

// --- File data and the space budget ---
export const CHUNK_SIZE = 4096; // sparse files keep data in chunks of this size; a chunk is allocated on first write
export const INODE_COST = 256; // bytes every live inode charges to the space budget (its metadata)
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER; // largest file size and write end offset; beyond is EFBIG
