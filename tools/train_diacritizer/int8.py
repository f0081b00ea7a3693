"""Marks a weights file so that its character layers' recurrent products run in int8 (the
C++ kernel's AVX-512 VNNI path, src/text/int8_recurrence.h; the Python reference rounds alike:
model.quantize_columns, model._int8_lstm). The tensors are copied unchanged: the rounding is
done when the file is loaded, from the stored values. train.py, export.py, average.py and
widen.py write files without the flag (they train or combine the float network): mark their
output again. A marked file given as a teacher scores in int8, slowly (hand-stepped LSTMs).

Usage: /usr/bin/python3 int8.py MODEL.bin OUTPUT.bin
"""
import sys

import model


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    try:
        marked = model.with_int8_recurrence(data)
    except (AssertionError, ValueError) as e:
        sys.exit(f"int8.py: {sys.argv[1]}: not a weights file ({e})")
    with open(sys.argv[2], "wb") as f:
        f.write(marked)
    print(f"{sys.argv[1]} -> {sys.argv[2]}: recurrent_int8")


if __name__ == "__main__":
    main()
