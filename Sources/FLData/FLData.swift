// The FLData module; see DESIGN.md §2.
import FLTensor

