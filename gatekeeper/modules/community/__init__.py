"""The views of a community and a street: what is authorised where, for community heads, street
officers and the public."""
