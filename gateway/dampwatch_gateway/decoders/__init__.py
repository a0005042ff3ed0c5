"""Pure decoders: bytes or a broker message in, samples out, `DecodeError` for anything else."""
