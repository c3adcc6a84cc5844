"""The negotiation round: find a generated agreement's clauses again after lawyers edited it.

Every generated agreement marks each clause (:mod:`.controls`: a content control tagged with
the clause id, and a bookmark) and carries a manifest (:mod:`.manifest`: per clause the text
it was generated with). :mod:`.locate` finds the clauses of an edited file, :mod:`.edits`
says which changed, and :mod:`.merge` regenerates while keeping the edits.
"""
